#include "data/inspect.h"

#include <gtest/gtest.h>

#include "data/dataset_file.h"
#include "data/h5.h"
#include "test_files.h"

namespace slipway {
namespace {

using slipway::testing::TempDir;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(InspectTest, DescribesDatasetsAttributesAndHistogram) {
    TempDir dir;
    const std::string path = dir.file("d.h5");
    Dataset dataset;
    dataset.num_classes = 3;
    dataset.class_names = {"cat", "dog", "bird"};
    dataset.train.rows = 6;
    dataset.train.features = 20;
    dataset.train.x.assign(6 * 20, 0.5f);
    dataset.train.labels = {0, 1, 1, 2, 2, 2};
    dataset.test.features = 20;
    ASSERT_TRUE(write_dataset_file(path, dataset).ok());

    auto text = describe_dataset_file(path);
    ASSERT_TRUE(text.ok()) << text.error().message();
    const std::string& out = *text;
    EXPECT_TRUE(contains(out, "/train/x")) << out;
    EXPECT_TRUE(contains(out, "float32")) << out;
    EXPECT_TRUE(contains(out, "[6, 20]")) << out;
    EXPECT_TRUE(contains(out, "chunks [6, 20]")) << out;
    EXPECT_TRUE(contains(out, "deflate(4)")) << out;
    EXPECT_TRUE(contains(out, "/test/x")) << out;
    EXPECT_TRUE(contains(out, "[0, 20]")) << out;
    EXPECT_TRUE(contains(out, "num_classes")) << out;
    EXPECT_TRUE(contains(out, "\"cat\", \"dog\", \"bird\"")) << out;
    // 20 means: summarised, not listed.
    EXPECT_TRUE(contains(out, "20 values: 0.5, 0.5, 0.5, 0.5, 0.5, ...; min 0.5, max 0.5")) << out;
    EXPECT_TRUE(contains(out, "labels /train/y (6 rows, 3 distinct)")) << out;
    EXPECT_TRUE(contains(out, "  2      bird   3\n")) << out;
    EXPECT_TRUE(contains(out, "  0      cat    1\n")) << out;
}

TEST(InspectTest, AnyHdf5FileAndErrors) {
    TempDir dir;
    const std::string path = dir.file("other.h5");
    {
        h5::File file = h5::File::create(path);
        file.write("/weights", std::vector<double>{1, 2, 3}, {3});
        file.write_string_attribute("/", "note", "hello");
    }
    auto text = describe_dataset_file(path);
    ASSERT_TRUE(text.ok());
    EXPECT_TRUE(contains(*text, "/weights  float64  [3]  contiguous")) << *text;
    EXPECT_TRUE(contains(*text, "note  string scalar = \"hello\"")) << *text;

    auto missing = describe_dataset_file(dir.file("missing.h5"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ExitCode::kBadData);
}

}  // namespace
}  // namespace slipway
