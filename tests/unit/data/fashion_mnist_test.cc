#include "data/fashion_mnist.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "data/dataset_file.h"
#include "test_files.h"

namespace slipway {
namespace {

using slipway::testing::TempDir;
using slipway::testing::write_idx_images;
using slipway::testing::write_idx_labels;

constexpr size_t kPixels = 28 * 28;

// Writes a small Fashion-MNIST directory: image i has every pixel equal to (i * 51) % 256.
void write_fake(const TempDir& dir, uint32_t train, uint32_t test) {
    for (auto [prefix, count] : {std::pair{"train", train}, std::pair{"t10k", test}}) {
        std::vector<uint8_t> pixels;
        std::vector<uint8_t> labels;
        for (uint32_t i = 0; i < count; ++i) {
            pixels.insert(pixels.end(), kPixels, static_cast<uint8_t>((i * 51) % 256));
            labels.push_back(static_cast<uint8_t>(i % 10));
        }
        write_idx_images(dir.file(std::string(prefix) + "-images-idx3-ubyte.gz"), count, 28, 28,
                         pixels);
        write_idx_labels(dir.file(std::string(prefix) + "-labels-idx1-ubyte.gz"), count, labels);
    }
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(FashionMnistTest, ReadsScalesAndLabels) {
    TempDir dir;
    write_fake(dir, 6, 3);
    auto dataset = read_fashion_mnist(dir.path());
    ASSERT_TRUE(dataset.ok()) << dataset.error().message();
    EXPECT_EQ(dataset->train.rows, 6u);
    EXPECT_EQ(dataset->test.rows, 3u);
    EXPECT_EQ(dataset->train.features, kPixels);
    EXPECT_EQ(dataset->train.x.size(), 6 * kPixels);
    EXPECT_EQ(dataset->num_classes, 10);
    ASSERT_EQ(dataset->class_names.size(), 10u);
    EXPECT_EQ(dataset->class_names[0], "T-shirt/top");
    EXPECT_EQ(dataset->class_names[9], "Ankle boot");
    EXPECT_EQ(dataset->train.labels, (std::vector<int32_t>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(dataset->test.labels, (std::vector<int32_t>{0, 1, 2}));
    EXPECT_FLOAT_EQ(dataset->train.x[0], 0.0f);
    EXPECT_FLOAT_EQ(dataset->train.x[kPixels], 0.2f);      // 51 / 255
    EXPECT_FLOAT_EQ(dataset->train.x[5 * kPixels], 1.0f);  // 255 / 255
    EXPECT_EQ(dataset->train.target_width, 0u);
    // Mean of {0, .2, .4, .6, .8, 1} = .5 at every pixel.
    ASSERT_EQ(dataset->feature_mean.size(), kPixels);
    EXPECT_NEAR(dataset->feature_mean[0], 0.5f, 1e-6);
    EXPECT_NEAR(dataset->feature_std[kPixels - 1], std::sqrt(0.7f / 6.0f), 1e-6);
}

TEST(FashionMnistTest, MissingFile) {
    TempDir dir;
    write_fake(dir, 2, 2);
    std::filesystem::remove(dir.file("t10k-labels-idx1-ubyte.gz"));
    auto dataset = read_fashion_mnist(dir.path());
    ASSERT_FALSE(dataset.ok());
    EXPECT_EQ(dataset.error().code, ExitCode::kBadData);
    EXPECT_TRUE(contains(dataset.error().message(), "t10k-labels-idx1-ubyte.gz: file not found"));
    auto no_dir = read_fashion_mnist(dir.file("absent"));
    ASSERT_FALSE(no_dir.ok());
    EXPECT_TRUE(contains(no_dir.error().message(), "directory not found"));
}

TEST(FashionMnistTest, TruncatedGzip) {
    TempDir dir;
    write_fake(dir, 40, 2);
    const std::string path = dir.file("train-images-idx3-ubyte.gz");
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 20);
    auto dataset = read_fashion_mnist(dir.path());
    ASSERT_FALSE(dataset.ok());
    EXPECT_TRUE(contains(dataset.error().message(), path));
    EXPECT_TRUE(contains(dataset.error().message(), "truncated")) << dataset.error().message();
}

TEST(FashionMnistTest, WrongMagic) {
    TempDir dir;
    write_fake(dir, 2, 2);
    write_idx_images(dir.file("train-images-idx3-ubyte.gz"), 2, 28, 28,
                     std::vector<uint8_t>(2 * kPixels), 0x00000801);
    auto dataset = read_fashion_mnist(dir.path());
    ASSERT_FALSE(dataset.ok());
    EXPECT_TRUE(contains(dataset.error().message(), "wrong IDX magic"));
}

TEST(FashionMnistTest, MismatchedCounts) {
    TempDir dir;
    write_fake(dir, 4, 2);
    write_idx_labels(dir.file("train-labels-idx1-ubyte.gz"), 3, {0, 1, 2});
    auto dataset = read_fashion_mnist(dir.path());
    ASSERT_FALSE(dataset.ok());
    EXPECT_TRUE(contains(dataset.error().message(), "has 3 labels but"));
    EXPECT_TRUE(contains(dataset.error().message(), "has 4 images"));
}

TEST(FashionMnistTest, LabelOutOfRange) {
    TempDir dir;
    write_fake(dir, 3, 2);
    write_idx_labels(dir.file("t10k-labels-idx1-ubyte.gz"), 2, {1, 10});
    auto dataset = read_fashion_mnist(dir.path());
    ASSERT_FALSE(dataset.ok());
    EXPECT_TRUE(contains(dataset.error().message(),
                         "t10k-labels-idx1-ubyte.gz: label 10 at index 1 is outside [0, 10)"))
        << dataset.error().message();
}

TEST(FashionMnistTest, WrongImageSize) {
    TempDir dir;
    write_fake(dir, 2, 2);
    write_idx_images(dir.file("t10k-images-idx3-ubyte.gz"), 2, 32, 32,
                     std::vector<uint8_t>(2 * 32 * 32));
    auto dataset = read_fashion_mnist(dir.path());
    ASSERT_FALSE(dataset.ok());
    EXPECT_TRUE(contains(dataset.error().message(), "32x32"));
}

TEST(FashionMnistTest, ConvertsTheRealDataset) {
    if (!std::filesystem::is_directory(kFashionMnistDefaultDir)) {
        GTEST_SKIP() << kFashionMnistDefaultDir << " is absent; install the Fashion-MNIST files";
    }
    const auto start = std::chrono::steady_clock::now();
    auto dataset = read_fashion_mnist(kFashionMnistDefaultDir);
    ASSERT_TRUE(dataset.ok()) << dataset.error().message();
    EXPECT_EQ(dataset->train.rows, 60000u);
    EXPECT_EQ(dataset->test.rows, 10000u);
    EXPECT_EQ(dataset->train.features, 784u);
    TempDir dir;
    ASSERT_TRUE(write_dataset_file(dir.file("fm.h5"), *dataset).ok());
    auto read = read_dataset_file(dir.file("fm.h5"));
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_EQ(read->train.rows, 60000u);
    EXPECT_EQ(read->test.rows, 10000u);
    EXPECT_EQ(read->train.features, 784u);
    EXPECT_EQ(read->train.labels, dataset->train.labels);
    // The training set is balanced: 6000 of each class.
    std::vector<int> counts(10, 0);
    for (int32_t label : read->train.labels) ++counts[label];
    EXPECT_EQ(counts, std::vector<int>(10, 6000));
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    RecordProperty("seconds", std::to_string(elapsed.count()));
}

}  // namespace
}  // namespace slipway
