#include "data/dataset_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "data/h5.h"
#include "test_files.h"

namespace slipway {
namespace {

using slipway::testing::TempDir;

Split make_split(size_t rows, size_t features, float offset) {
    Split split;
    split.rows = rows;
    split.features = features;
    for (size_t i = 0; i < rows * features; ++i) split.x.push_back(offset + 0.5f * i);
    return split;
}

Dataset classification(size_t train_rows, size_t test_rows) {
    Dataset dataset;
    dataset.num_classes = 3;
    dataset.class_names = {"cat", "dog", "bird"};
    dataset.train = make_split(train_rows, 4, 0.0f);
    dataset.test = make_split(test_rows, 4, 100.0f);
    for (size_t i = 0; i < train_rows; ++i) dataset.train.labels.push_back(i % 3);
    for (size_t i = 0; i < test_rows; ++i) dataset.test.labels.push_back((i + 1) % 3);
    compute_feature_stats(dataset.train, dataset.feature_mean, dataset.feature_std);
    return dataset;
}

Dataset regression(size_t width) {
    Dataset dataset;
    dataset.train = make_split(20, 3, 1.0f);
    dataset.test = make_split(5, 3, 2.0f);
    for (Split* split : {&dataset.train, &dataset.test}) {
        split->target_width = width;
        for (size_t i = 0; i < split->rows * width; ++i) split->targets.push_back(0.25f * i);
    }
    return dataset;
}

void expect_same_split(const Split& a, const Split& b) {
    EXPECT_EQ(a.rows, b.rows);
    EXPECT_EQ(a.features, b.features);
    EXPECT_EQ(a.target_width, b.target_width);
    EXPECT_EQ(a.x, b.x);
    EXPECT_EQ(a.labels, b.labels);
    EXPECT_EQ(a.targets, b.targets);
}

TEST(DatasetFileTest, ClassificationRoundTrip) {
    TempDir dir;
    const std::string path = dir.file("c.h5");
    const Dataset dataset = classification(2500, 300);
    ASSERT_TRUE(write_dataset_file(path, dataset).ok());
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    auto read = read_dataset_file(path);
    ASSERT_TRUE(read.ok()) << read.error().message();
    expect_same_split(read->train, dataset.train);
    expect_same_split(read->test, dataset.test);
    EXPECT_EQ(read->num_classes, 3);
    EXPECT_EQ(read->class_names, dataset.class_names);
    EXPECT_EQ(read->feature_mean, dataset.feature_mean);
    EXPECT_EQ(read->feature_std, dataset.feature_std);

    // The layout itself: chunked by rows, compressed, int32 labels.
    auto file = h5::File::open(path);
    ASSERT_TRUE(file.ok());
    auto x = file->dataset_info("/train/x");
    ASSERT_TRUE(x.ok());
    EXPECT_EQ(x->shape, (h5::Shape{2500, 4}));
    EXPECT_EQ(x->chunk, (h5::Shape{1024, 4}));
    EXPECT_NE(std::find(x->filters.begin(), x->filters.end(), "deflate(4)"), x->filters.end());
    EXPECT_EQ(file->dataset_info("/train/y")->type.name, "int32");
}

TEST(DatasetFileTest, RegressionRoundTripOneAndManyTargets) {
    for (size_t width : {1u, 3u}) {
        TempDir dir;
        const std::string path = dir.file("r.h5");
        const Dataset dataset = regression(width);
        ASSERT_TRUE(write_dataset_file(path, dataset).ok());
        auto file = h5::File::open(path);
        ASSERT_TRUE(file.ok());
        const h5::Shape expected = width == 1 ? h5::Shape{20} : h5::Shape{20, width};
        EXPECT_EQ(file->dataset_info("/train/y")->shape, expected);
        EXPECT_EQ(file->dataset_info("/train/y")->type.name, "float32");
        auto read = read_dataset_file(path);
        ASSERT_TRUE(read.ok()) << read.error().message();
        EXPECT_EQ(read->num_classes, 0);
        EXPECT_FALSE(read->is_classification());
        expect_same_split(read->train, dataset.train);
        expect_same_split(read->test, dataset.test);
        // Statistics were computed by the writer when the dataset had none.
        EXPECT_EQ(read->feature_mean.size(), 3u);
    }
}

TEST(DatasetFileTest, EmptyTestSplit) {
    TempDir dir;
    const std::string path = dir.file("e.h5");
    Dataset dataset = classification(10, 0);
    dataset.test = Split{};  // never given a shape
    ASSERT_TRUE(write_dataset_file(path, dataset).ok());
    auto read = read_dataset_file(path);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_EQ(read->test.rows, 0u);
    EXPECT_EQ(read->test.features, 4u);
    EXPECT_EQ(read->train.rows, 10u);
}

TEST(DatasetFileTest, MissingTrainYIsBadData) {
    TempDir dir;
    const std::string path = dir.file("no-y.h5");
    {
        h5::File file = h5::File::create(path);
        file.write("/train/x", std::vector<float>(8, 1.0f), {2, 4});
        file.write_scalar_attribute<int32_t>("/", "num_classes", 2);
    }
    auto read = read_dataset_file(path);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code, ExitCode::kBadData);
    EXPECT_EQ(read.error().message(), path + ":/train/y: dataset not found");
}

TEST(DatasetFileTest, BadFilesAreBadData) {
    TempDir dir;
    auto missing = read_dataset_file(dir.file("missing.h5"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ExitCode::kBadData);

    const std::string path = dir.file("bad.h5");
    auto write_with = [&](std::vector<int32_t> labels, size_t y_rows) {
        std::filesystem::remove(path);
        h5::File file = h5::File::create(path);
        file.write("/train/x", std::vector<float>(12, 1.0f), {3, 4});
        file.write("/train/y", labels, {y_rows});
        file.write_scalar_attribute<int32_t>("/", "num_classes", 2);
    };
    write_with({0, 1, 2}, 3);
    auto out_of_range = read_dataset_file(path);
    ASSERT_FALSE(out_of_range.ok());
    EXPECT_NE(out_of_range.error().message().find("/train/y: row 2 has label 2, outside [0, 2)"),
              std::string::npos)
        << out_of_range.error().message();

    write_with({0, 1}, 2);
    auto mismatch = read_dataset_file(path);
    ASSERT_FALSE(mismatch.ok());
    EXPECT_NE(mismatch.error().message().find("has 2 rows but /train/x has 3"), std::string::npos);
}

// Non-finite statistics would turn standardised features into NaN; non-finite targets make
// the loss NaN. Each is bad data naming the file, the attribute or dataset and the first bad
// index.
TEST(DatasetFileTest, NonFiniteStatisticsAndTargetsAreBadData) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    TempDir dir;
    const std::string path = dir.file("stats.h5");
    auto read_with = [&](const std::string& attribute, std::vector<float> values) {
        std::filesystem::remove(path);
        EXPECT_TRUE(write_dataset_file(path, classification(10, 2)).ok());
        {
            auto file = h5::File::open(path, /*writable=*/true);
            EXPECT_TRUE(file.ok());
            file->write_attribute("/", attribute, values);
            file->close();
        }
        auto read = read_dataset_file(path);
        EXPECT_FALSE(read.ok()) << attribute;
        if (!read.ok()) {
            EXPECT_EQ(read.error().code, ExitCode::kBadData);
        }
        return read.ok() ? std::string("ok") : read.error().message();
    };
    EXPECT_EQ(read_with("feature_mean", {0.0f, 1.0f, nan, inf}),
              path + ":/: attribute feature_mean: entry 2 is nan, not finite");
    EXPECT_EQ(read_with("feature_mean", {-inf, 1.0f, 2.0f, 3.0f}),
              path + ":/: attribute feature_mean: entry 0 is -inf, not finite");
    EXPECT_EQ(read_with("feature_std", {1.0f, 1.0f, 1.0f, nan}),
              path + ":/: attribute feature_std: entry 3 is nan, not finite");
    EXPECT_EQ(read_with("feature_std", {1.0f, inf, 1.0f, 1.0f}),
              path + ":/: attribute feature_std: entry 1 is inf, not finite");
    EXPECT_EQ(read_with("feature_std", {1.0f, 0.0f, -0.5f, 1.0f}),
              path + ":/: attribute feature_std: entry 2 is -0.5, negative");

    for (size_t width : {1u, 3u}) {
        Dataset dataset = regression(width);
        dataset.test.targets[width + (width > 1 ? 1 : 0)] = nan;  // row 1 (target 1 if any)
        std::filesystem::remove(path);
        ASSERT_TRUE(write_dataset_file(path, dataset).ok());
        auto read = read_dataset_file(path);
        ASSERT_FALSE(read.ok());
        EXPECT_EQ(read.error().code, ExitCode::kBadData);
        const std::string target = width == 1 ? "row 1, target 0" : "row 1, target 1";
        EXPECT_EQ(read.error().message(), path + ":/test/y: " + target + " is nan, not finite");
    }
}

TEST(DatasetFileTest, NonFiniteFeatureIsBadData) {
    TempDir dir;
    const std::string path = dir.file("x.h5");
    Dataset dataset = classification(10, 2);
    dataset.train.x[4 * 3 + 2] = -std::numeric_limits<float>::infinity();
    ASSERT_TRUE(write_dataset_file(path, dataset).ok());
    auto read = read_dataset_file(path);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().message(), path + ":/train/x: row 3, feature 2 is -inf, not finite");
}

TEST(DatasetFileTest, WriterRejectsInconsistentDatasets) {
    TempDir dir;
    Dataset dataset = classification(10, 2);
    dataset.class_names.pop_back();
    EXPECT_FALSE(write_dataset_file(dir.file("x.h5"), dataset).ok());
    EXPECT_FALSE(std::filesystem::exists(dir.file("x.h5")));
}

}  // namespace
}  // namespace slipway
