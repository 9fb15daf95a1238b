#include "data/csv_dataset.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_files.h"

namespace slipway {
namespace {

using slipway::testing::TempDir;
using slipway::testing::write_text;

CsvOptions options_for(const std::string& label) {
    CsvOptions options;
    options.label_column = label;
    return options;
}

TEST(CsvDatasetTest, ReadsClassificationWithAutoDetection) {
    TempDir dir;
    const std::string path = dir.file("good.csv");
    write_text(path,
               "a, b ,label,c\r\n"
               "1,2,0,3\r\n"
               "\n"
               "4,5,2,6\n"
               "  \n"
               "7,8,1,9\n"
               "+10,1e1,0,-1.5\n");
    CsvOptions options = options_for("label");
    options.test_fraction = 0.0;
    auto dataset = read_csv_dataset(path, options);
    ASSERT_TRUE(dataset.ok()) << dataset.error().message();
    EXPECT_EQ(dataset->num_classes, 3);
    EXPECT_EQ(dataset->train.rows, 4u);
    EXPECT_EQ(dataset->test.rows, 0u);
    EXPECT_EQ(dataset->train.features, 3u);
    EXPECT_EQ(dataset->train.target_width, 0u);
    // Rows are shuffled; find each by its first feature and check it kept its label.
    std::vector<std::pair<float, int32_t>> rows;
    for (size_t r = 0; r < 4; ++r) {
        rows.emplace_back(dataset->train.x[r * 3], dataset->train.labels[r]);
        if (dataset->train.x[r * 3] == 10.0f) {
            EXPECT_EQ(dataset->train.x[r * 3 + 1], 10.0f);
            EXPECT_EQ(dataset->train.x[r * 3 + 2], -1.5f);
        }
    }
    std::sort(rows.begin(), rows.end());
    EXPECT_EQ(rows, (std::vector<std::pair<float, int32_t>>{{1, 0}, {4, 2}, {7, 1}, {10, 0}}));
    ASSERT_EQ(dataset->feature_mean.size(), 3u);
    EXPECT_FLOAT_EQ(dataset->feature_mean[0], 5.5f);
}

TEST(CsvDatasetTest, NonNumericCellNamesLineAndColumn) {
    TempDir dir;
    const std::string path = dir.file("bad.csv");
    write_text(path, "x,y,label\n1,2,0\n\n3,abc,1\n");
    auto dataset = read_csv_dataset(path, options_for("label"));
    ASSERT_FALSE(dataset.ok());
    EXPECT_EQ(dataset.error().code, ExitCode::kBadData);
    EXPECT_EQ(dataset.error().message(),
              path + ":4: column 'y' (2): cannot parse 'abc' as a number");
}

TEST(CsvDatasetTest, EmptyAndNonFiniteCells) {
    TempDir dir;
    const std::string path = dir.file("bad.csv");
    write_text(path, "x,label\n,0\n");
    auto empty = read_csv_dataset(path, options_for("label"));
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().message(), path + ":2: column 'x' (1): cannot parse '' as a number");
    write_text(path, "x,label\n1,0\ninf,1\n");
    auto infinite = read_csv_dataset(path, options_for("label"));
    ASSERT_FALSE(infinite.ok());
    EXPECT_NE(infinite.error().message().find(":3: column 'x' (1): 'inf' is not a finite number"),
              std::string::npos);
}

TEST(CsvDatasetTest, CellsOutsideFloatRangeOrNaNAreRejected) {
    TempDir dir;
    const std::string path = dir.file("big.csv");
    // 1e300 is a finite double but inf as float32, which is how cells are stored.
    write_text(path, "x,y,label\n1,2,0\n3,1e300,1\n");
    auto big = read_csv_dataset(path, options_for("label"));
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code, ExitCode::kBadData);
    EXPECT_EQ(big.error().message(),
              path + ":3: column 'y' (2): '1e300' is outside the float32 range (about +-3.4e38)");

    write_text(path, "x,y,label\n1,-4e38,0\n");
    auto negative = read_csv_dataset(path, options_for("label"));
    ASSERT_FALSE(negative.ok());
    EXPECT_EQ(negative.error().message(),
              path + ":2: column 'y' (2): '-4e38' is outside the float32 range (about +-3.4e38)");

    // A regression target is stored as float32 too.
    write_text(path, "x,price\n1,2.5\n2,1e39\n");
    CsvOptions options = options_for("price");
    options.task = CsvTask::kRegression;
    auto target = read_csv_dataset(path, options);
    ASSERT_FALSE(target.ok());
    EXPECT_EQ(
        target.error().message(),
        path + ":3: column 'price' (2): '1e39' is outside the float32 range (about +-3.4e38)");

    for (const std::string cell : {"nan", "NaN", "-inf", "infinity"}) {
        write_text(path, "x,label\n1,0\n" + cell + ",1\n");
        auto bad = read_csv_dataset(path, options_for("label"));
        ASSERT_FALSE(bad.ok()) << cell;
        EXPECT_EQ(bad.error().message(),
                  path + ":3: column 'x' (1): '" + cell + "' is not a finite number");
    }

    // The largest float32 itself is fine.
    write_text(path, "x,label\n3.4e38,0\n-3.4e38,1\n");
    EXPECT_TRUE(read_csv_dataset(path, options_for("label")).ok());
}

TEST(CsvDatasetTest, RaggedRow) {
    TempDir dir;
    const std::string path = dir.file("ragged.csv");
    write_text(path, "x,y,label\n1,2,0\n1,2\n");
    auto dataset = read_csv_dataset(path, options_for("label"));
    ASSERT_FALSE(dataset.ok());
    EXPECT_EQ(dataset.error().message(),
              path + ":3: row has 2 cells but the header (line 1) has 3 columns");
}

TEST(CsvDatasetTest, UnknownLabelColumnListsHeader) {
    TempDir dir;
    const std::string path = dir.file("x.csv");
    write_text(path, "\"x\",y,target\n1,2,0\n");
    auto dataset = read_csv_dataset(path, options_for("label"));
    ASSERT_FALSE(dataset.ok());
    EXPECT_EQ(dataset.error().message(),
              path +
                  ":1: label column 'label' not found; the header has 'x', 'y', 'target' "
                  "(pass --label with one of these names)");
}

TEST(CsvDatasetTest, LabelOutsideGivenNumClasses) {
    TempDir dir;
    const std::string path = dir.file("x.csv");
    write_text(path, "x,label\n1,0\n2,2\n3,3\n");
    CsvOptions options = options_for("label");
    options.num_classes = 3;
    auto dataset = read_csv_dataset(path, options);
    ASSERT_FALSE(dataset.ok());
    EXPECT_EQ(dataset.error().code, ExitCode::kBadData);
    EXPECT_NE(dataset.error().message().find(path + ":4: label 3 is outside [0, 3)"),
              std::string::npos)
        << dataset.error().message();
    options.num_classes = 5;
    auto wider = read_csv_dataset(path, options);
    ASSERT_TRUE(wider.ok());
    EXPECT_EQ(wider->num_classes, 5);
}

TEST(CsvDatasetTest, RegressionDetectedForFractionalOrNegativeLabels) {
    TempDir dir;
    const std::string path = dir.file("r.csv");
    write_text(path, "x,price\n1,1.5\n2,3\n3,4\n");
    auto dataset = read_csv_dataset(path, options_for("price"));
    ASSERT_TRUE(dataset.ok()) << dataset.error().message();
    EXPECT_EQ(dataset->num_classes, 0);
    EXPECT_EQ(dataset->train.target_width, 1u);
    EXPECT_EQ(dataset->train.targets.size(), dataset->train.rows);
    EXPECT_TRUE(dataset->train.labels.empty());

    write_text(path, "x,delta\n1,-1\n2,3\n");
    auto negative = read_csv_dataset(path, options_for("delta"));
    ASSERT_TRUE(negative.ok());
    EXPECT_EQ(negative->num_classes, 0);

    // Integer labels become classes unless regression is asked for.
    write_text(path, "x,year\n1,2\n2,3\n");
    CsvOptions options = options_for("year");
    options.task = CsvTask::kRegression;
    auto forced = read_csv_dataset(path, options);
    ASSERT_TRUE(forced.ok());
    EXPECT_EQ(forced->num_classes, 0);
}

TEST(CsvDatasetTest, ForcedClassificationRejectsFractionalLabels) {
    TempDir dir;
    const std::string path = dir.file("r.csv");
    write_text(path, "x,label\n1,1\n2,1.5\n");
    CsvOptions options = options_for("label");
    options.task = CsvTask::kClassification;
    auto dataset = read_csv_dataset(path, options);
    ASSERT_FALSE(dataset.ok());
    EXPECT_NE(dataset.error().message().find(":3: label column 'label': 1.5 is not a class index"),
              std::string::npos);
}

TEST(CsvDatasetTest, TestSplitSizeRoundsDownAndSeedShuffles) {
    TempDir dir;
    const std::string path = dir.file("big.csv");
    std::string text = "id,label\n";
    for (int i = 0; i < 103; ++i) text += std::to_string(i) + "," + std::to_string(i % 4) + "\n";
    write_text(path, text);
    CsvOptions options = options_for("label");
    options.test_fraction = 0.25;
    auto a = read_csv_dataset(path, options);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->test.rows, 25u);  // floor(103 * 0.25)
    EXPECT_EQ(a->train.rows, 78u);
    EXPECT_EQ(a->num_classes, 4);
    // Every row lands in exactly one split.
    std::vector<float> ids = a->train.x;
    ids.insert(ids.end(), a->test.x.begin(), a->test.x.end());
    std::sort(ids.begin(), ids.end());
    for (int i = 0; i < 103; ++i) ASSERT_EQ(ids[i], static_cast<float>(i));
    // Same seed, same split; another seed, another.
    auto b = read_csv_dataset(path, options);
    EXPECT_EQ(a->test.x, b->test.x);
    options.seed = 7;
    auto c = read_csv_dataset(path, options);
    EXPECT_NE(a->test.x, c->test.x);

    options.test_fraction = 0.3;
    write_text(path, "id,label\n1,0\n2,0\n3,0\n4,0\n5,0\n6,0\n7,0\n8,0\n9,0\n10,0\n");
    EXPECT_EQ(read_csv_dataset(path, options)->test.rows, 3u);
}

TEST(CsvDatasetTest, BadOptionsAndFiles) {
    TempDir dir;
    const std::string path = dir.file("x.csv");
    write_text(path, "x,label\n1,0\n");
    CsvOptions options = options_for("label");
    options.test_fraction = 1.0;
    auto fraction = read_csv_dataset(path, options);
    ASSERT_FALSE(fraction.ok());
    EXPECT_EQ(fraction.error().code, ExitCode::kBadSpec);

    auto missing = read_csv_dataset(dir.file("none.csv"), options_for("label"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ExitCode::kBadData);

    write_text(path, "x,label\n");
    auto no_rows = read_csv_dataset(path, options_for("label"));
    ASSERT_FALSE(no_rows.ok());
    EXPECT_NE(no_rows.error().message().find("no data rows"), std::string::npos);
}

}  // namespace
}  // namespace slipway
