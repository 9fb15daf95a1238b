// The seal (checkpoint/seal.h): a whole-file checksum that keeps damaged files away from HDF5.

#include "checkpoint/seal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "checkpoint/checkpoint.h"
#include "checkpoint_test_util.h"

namespace slipway {
namespace {

using slipway::testing::make_state;
using slipway::testing::read_bytes;
using slipway::testing::TempDir;
using slipway::testing::write_bytes;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

std::string write_valid(const TempDir& dir) {
    auto path = write_checkpoint(dir.path(), make_state(5), 3);
    EXPECT_TRUE(path.ok()) << path.error().message();
    return path.ok() ? *path : std::string();
}

TEST(CheckpointSeal, FileStartsWithTheSealLine) {
    TempDir dir;
    const std::vector<char> bytes = read_bytes(write_valid(dir));
    ASSERT_GT(bytes.size(), 512u);
    const std::string line(bytes.data(), strnlen(bytes.data(), 512));
    EXPECT_THAT(line, MatchesRegex("slipway-checkpoint 1 size=" + std::to_string(bytes.size()) +
                                   " crc32=[0-9a-f]{8}\n"));
    EXPECT_TRUE(std::all_of(bytes.begin() + static_cast<long>(line.size()), bytes.begin() + 512,
                            [](char c) { return c == '\0'; }));
    EXPECT_EQ(std::string(bytes.data() + 512, 4), "\x89HDF");  // HDF5 right after the userblock
}

TEST(CheckpointSeal, UnsealedCheckpointIsNotACheckpoint) {
    TempDir dir;
    const std::string path = write_valid(dir);
    std::vector<char> bytes = read_bytes(path);
    std::fill(bytes.begin(), bytes.begin() + 512, '\0');
    write_bytes(path, bytes);
    auto read = read_checkpoint(path);
    ASSERT_FALSE(read.ok());
    EXPECT_THAT(read.error().what, HasSubstr("not a slipway checkpoint"));
}

TEST(CheckpointSeal, DamagedSealIsReported) {
    TempDir dir;
    const std::string path = write_valid(dir);
    const std::vector<char> valid = read_bytes(path);
    auto read_with = [&](const std::string& line) {
        std::vector<char> bytes = valid;
        std::fill(bytes.begin(), bytes.begin() + 512, '\0');
        std::copy(line.begin(), line.end(), bytes.begin());
        write_bytes(path, bytes);
        auto read = read_checkpoint(path);
        EXPECT_FALSE(read.ok()) << line;
        return read.ok() ? std::string() : read.error().what;
    };
    const std::string size = std::to_string(valid.size());
    EXPECT_THAT(read_with("slipway-checkpoint 2 size=" + size + " crc32=00000000\n"),
                HasSubstr("header version 2 is not supported"));
    EXPECT_THAT(read_with("slipway-checkpoint 1 size=1 crc32=00000000\n"),
                HasSubstr("torn or truncated"));
    EXPECT_THAT(read_with("slipway-checkpoint 1 size=" + size + " crc32=00000000\n"),
                HasSubstr("checksum mismatch: file is corrupt"));
    EXPECT_THAT(read_with("slipway-checkpoint 1 size=" + size + " crc32=0000000G\n"),
                HasSubstr("damaged checkpoint header"));
    EXPECT_THAT(read_with("slipway-checkpoint 1 size=99999999999999999999999 crc32=00000000\n"),
                HasSubstr("damaged checkpoint header"));
    EXPECT_THAT(read_with("slipway-checkpoint "), HasSubstr("damaged checkpoint header"));
}

// Every truncation and a bit flip at every few bytes (HDF5 metadata included) is an Error,
// never a crash, an exception or a wrong state.
TEST(CheckpointSeal, DamageAnywhereIsAnErrorNeverACrash) {
    TempDir dir;
    const std::vector<char> valid = read_bytes(write_valid(dir));
    const std::string path = dir.file("damaged.h5");
    for (size_t size = 0; size < valid.size(); size += 97) {
        write_bytes(path, std::vector<char>(valid.begin(), valid.begin() + size));
        auto read = read_checkpoint(path);
        ASSERT_FALSE(read.ok()) << "truncated to " << size;
        EXPECT_EQ(read.error().code, ExitCode::kBadCheckpoint);
    }
    std::mt19937 rng(3);
    for (size_t at = 0; at < valid.size(); at += 13) {
        std::vector<char> bytes = valid;
        bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
        write_bytes(path, bytes);
        auto read = read_checkpoint(path);
        ASSERT_FALSE(read.ok()) << "bit flipped at byte " << at;
        EXPECT_EQ(read.error().code, ExitCode::kBadCheckpoint);
    }
}

}  // namespace
}  // namespace slipway
