#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <random>

#include "checkpoint/checkpoint.h"
#include "checkpoint_test_util.h"
#include "data/h5.h"

namespace slipway {
namespace {

using slipway::testing::make_state;
using slipway::testing::read_bytes;
using slipway::testing::TempDir;
using slipway::testing::write_bytes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> names_of(const std::vector<std::string>& paths) {
    std::vector<std::string> names;
    for (const auto& path : paths) names.push_back(std::filesystem::path(path).filename());
    return names;
}

std::vector<std::string> dir_names(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        names.push_back(entry.path().filename());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string write_ok(const std::string& dir, int64_t step, int keep) {
    auto path = write_checkpoint(dir, make_state(step), keep);
    EXPECT_TRUE(path.ok()) << path.error().message();
    return path.ok() ? *path : std::string();
}

TEST(CheckpointDir, KeepsTheNewestK) {
    TempDir dir;
    for (int64_t step = 10; step <= 60; step += 10) write_ok(dir.path(), step, 3);
    EXPECT_THAT(names_of(list_checkpoints(dir.path())),
                ElementsAre("ckpt-0000000060.h5", "ckpt-0000000050.h5", "ckpt-0000000040.h5"));
    write_ok(dir.path(), 70, 1);
    EXPECT_THAT(names_of(list_checkpoints(dir.path())), ElementsAre("ckpt-0000000070.h5"));
}

TEST(CheckpointDir, NeverPrunesTheCheckpointJustWritten) {
    TempDir dir;
    write_ok(dir.path(), 500, 2);
    write_ok(dir.path(), 400, 2);
    // Resumed from an older step while a newer file (unreadable, say) sits there.
    write_ok(dir.path(), 100, 1);
    EXPECT_THAT(names_of(list_checkpoints(dir.path())),
                ElementsAre("ckpt-0000000500.h5", "ckpt-0000000100.h5"));
}

TEST(CheckpointDir, DeletesTemporariesOfOtherProcessesOnly) {
    TempDir dir;
    const std::string mine = ".ckpt-8.h5.tmp-" + std::to_string(::getpid());
    write_bytes(dir.file(".ckpt-7.h5.tmp-999999999"), {'x'});
    write_bytes(dir.file(mine), {'x'});
    write_bytes(dir.file(".ckpt-7.h5.tmpx-1"), {'x'});  // not our name: left alone
    write_ok(dir.path(), 9, 3);
    EXPECT_THAT(dir_names(dir.path()),
                ElementsAre(".ckpt-7.h5.tmpx-1", mine, "ckpt-0000000009.h5"));
}

TEST(CheckpointDir, ListsNewestFirstAndIgnoresOtherFiles) {
    TempDir dir;
    write_ok(dir.path(), 2, 10);
    write_ok(dir.path(), 11, 10);
    write_ok(dir.path(), 7, 10);
    for (const char* name : {"ckpt-5.h5.tmp-1", ".ckpt-99.h5.tmp-1", "ckpt-.h5", "ckpt-1x.h5",
                             "ckpt-12.h5.bak", "xckpt-3.h5", "ckpt-3.hdf5", "notes.txt",
                             "ckpt--4.h5", "ckpt-99999999999999999999999.h5"}) {
        write_bytes(dir.file(name), {'x'});
    }
    std::filesystem::create_directory(dir.file("ckpt-0000000100.h5"));  // not a file
    write_bytes(dir.file("ckpt-3.h5"), {'x'});  // unpadded digits still parse
    EXPECT_THAT(
        names_of(list_checkpoints(dir.path())),
        ElementsAre("ckpt-0000000011.h5", "ckpt-0000000007.h5", "ckpt-3.h5", "ckpt-0000000002.h5"));
    EXPECT_TRUE(list_checkpoints(dir.file("missing")).empty());
}

TEST(CheckpointDir, NewestOfEmptyOrMissingDirIsNothing) {
    TempDir dir;
    int skips = 0;
    auto count = [&](const std::string&, const Error&) { ++skips; };
    EXPECT_FALSE(load_newest_checkpoint(dir.path(), count).has_value());
    EXPECT_FALSE(load_newest_checkpoint(dir.file("missing"), count).has_value());
    EXPECT_FALSE(load_newest_checkpoint(dir.file("missing"), nullptr).has_value());
    EXPECT_EQ(skips, 0);
}

// Flips one byte inside the stored parameters (found by their values), which only the checksum
// can notice.
void flip_parameter_byte(const std::string& path, const std::vector<float>& parameters) {
    std::vector<char> bytes = read_bytes(path);
    const char* needle = reinterpret_cast<const char*>(parameters.data() + 8);
    const size_t needle_size = 16 * sizeof(float);
    auto found = std::search(bytes.begin(), bytes.end(), needle, needle + needle_size);
    ASSERT_NE(found, bytes.end()) << "parameters not found in " << path;
    found[5] ^= 0x01;
    write_bytes(path, bytes);
}

TEST(CheckpointDir, LoadNewestSkipsDamagedFilesAndReportsThem) {
    TempDir dir;
    const std::string good = write_ok(dir.path(), 1, 100);
    const std::vector<char> valid = read_bytes(write_ok(dir.path(), 2, 100));
    const std::string empty = dir.file("ckpt-0000000002.h5");
    write_bytes(empty, {});
    const std::string hundred = dir.file("ckpt-0000000003.h5");
    write_bytes(hundred, std::vector<char>(valid.begin(), valid.begin() + 100));
    const std::string half = dir.file("ckpt-0000000004.h5");
    write_bytes(half, std::vector<char>(valid.begin(), valid.begin() + valid.size() / 2));
    const std::string all_but_one = dir.file("ckpt-0000000005.h5");
    write_bytes(all_but_one, std::vector<char>(valid.begin(), valid.end() - 1));
    const std::string random = dir.file("ckpt-0000000006.h5");
    std::mt19937 rng(7);
    std::vector<char> noise(valid.size());
    for (char& c : noise) c = static_cast<char>(rng());
    write_bytes(random, noise);
    const std::string foreign = dir.file("ckpt-0000000007.h5");
    {
        h5::File file = h5::File::create(foreign);
        file.write<float>("/train/x", std::vector<float>(12, 1.0f), {3, 4});
        file.write_string_attribute("/", "format", "slipway-dataset");
        file.close();
    }
    const std::string flipped = write_ok(dir.path(), 8, 100);
    flip_parameter_byte(flipped, make_state(8).parameters);

    std::vector<std::pair<std::string, Error>> skipped;
    auto loaded = load_newest_checkpoint(
        dir.path(),
        [&](const std::string& path, const Error& why) { skipped.emplace_back(path, why); });
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->first, good);
    EXPECT_EQ(loaded->second.step, 1);
    EXPECT_EQ(loaded->second.parameters, make_state(1).parameters);

    ASSERT_EQ(skipped.size(), 7u);
    const std::vector<std::string> expected_order = {flipped, foreign, random, all_but_one,
                                                     half,    hundred, empty};
    for (size_t i = 0; i < skipped.size(); ++i) {
        EXPECT_EQ(skipped[i].first, expected_order[i]);
        EXPECT_EQ(skipped[i].second.code, ExitCode::kBadCheckpoint);
        EXPECT_THAT(skipped[i].second.message(), HasSubstr(expected_order[i]));
    }
    EXPECT_THAT(skipped[0].second.what, HasSubstr("checksum mismatch: file is corrupt"));
    EXPECT_THAT(skipped[1].second.what, HasSubstr("not a slipway checkpoint"));
    EXPECT_THAT(skipped[2].second.what, HasSubstr("not an HDF5 file"));
}

}  // namespace
}  // namespace slipway
