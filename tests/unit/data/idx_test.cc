#include "data/idx.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_files.h"

namespace slipway {
namespace {

using slipway::testing::TempDir;
using slipway::testing::write_idx_images;
using slipway::testing::write_idx_labels;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(IdxTest, ReadsImagesAndLabels) {
    TempDir dir;
    std::vector<uint8_t> pixels(3 * 2 * 4);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 10);
    write_idx_images(dir.file("images.gz"), 3, 2, 4, pixels);
    write_idx_labels(dir.file("labels.gz"), 3, {7, 0, 9});
    auto images = read_idx_images(dir.file("images.gz"));
    ASSERT_TRUE(images.ok()) << images.error().message();
    EXPECT_EQ(images->count, 3u);
    EXPECT_EQ(images->rows, 2u);
    EXPECT_EQ(images->cols, 4u);
    EXPECT_EQ(images->pixels, pixels);
    auto labels = read_idx_labels(dir.file("labels.gz"));
    ASSERT_TRUE(labels.ok());
    EXPECT_EQ(*labels, (std::vector<uint8_t>{7, 0, 9}));
}

TEST(IdxTest, ShortDataNamesByteCounts) {
    TempDir dir;
    write_idx_images(dir.file("images.gz"), 10, 2, 2, std::vector<uint8_t>(15, 1));
    auto images = read_idx_images(dir.file("images.gz"));
    ASSERT_FALSE(images.ok());
    EXPECT_EQ(images.error().code, ExitCode::kBadData);
    const std::string message = images.error().message();
    EXPECT_TRUE(contains(message, dir.file("images.gz"))) << message;
    EXPECT_TRUE(contains(message, "truncated: expected 40 bytes of pixels, got 15")) << message;
}

TEST(IdxTest, TruncatedGzipStream) {
    TempDir dir;
    const std::string path = dir.file("images.gz");
    // Random-looking pixels so the compressed stream is long enough to cut in the middle.
    std::vector<uint8_t> pixels(50 * 28 * 28);
    uint32_t state = 1;
    for (uint8_t& p : pixels)
        p = static_cast<uint8_t>((state = state * 1103515245u + 12345u) >> 24);
    write_idx_images(path, 50, 28, 28, pixels);
    std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
    auto images = read_idx_images(path);
    ASSERT_FALSE(images.ok());
    const std::string message = images.error().message();
    EXPECT_TRUE(contains(message, "truncated")) << message;
    EXPECT_TRUE(contains(message, "expected 39200 bytes")) << message;
    EXPECT_TRUE(contains(message, path)) << message;
}

TEST(IdxTest, WrongMagic) {
    TempDir dir;
    write_idx_labels(dir.file("labels.gz"), 2, {1, 2});
    // A label file where images are expected: the magic says so.
    auto images = read_idx_images(dir.file("labels.gz"));
    ASSERT_FALSE(images.ok());
    EXPECT_TRUE(
        contains(images.error().message(), "wrong IDX magic 0x00000801, expected 0x00000803"))
        << images.error().message();
    write_idx_labels(dir.file("bad.gz"), 2, {1, 2}, 0x12345678);
    auto labels = read_idx_labels(dir.file("bad.gz"));
    ASSERT_FALSE(labels.ok());
    EXPECT_TRUE(contains(labels.error().message(), "0x12345678"));
}

TEST(IdxTest, MissingFileAndPlainFiles) {
    TempDir dir;
    auto missing = read_idx_labels(dir.file("nope.gz"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message(), dir.file("nope.gz") + ": file not found");
    // zlib passes uncompressed files through, so an unzipped download still reads.
    slipway::testing::write_text(dir.file("plain"),
                                 std::string("\x00\x00\x08\x01\x00\x00\x00\x02\x03\x04", 10));
    auto plain = read_idx_labels(dir.file("plain"));
    ASSERT_TRUE(plain.ok()) << plain.error().message();
    EXPECT_EQ(*plain, (std::vector<uint8_t>{3, 4}));
}

}  // namespace
}  // namespace slipway
