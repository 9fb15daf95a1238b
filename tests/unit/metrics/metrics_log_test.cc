#include "metrics/metrics_log.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "metrics/process_stats.h"

namespace slipway {
namespace {

std::filesystem::path temp_path(const std::string& name) {
    return std::filesystem::temp_directory_path() /
           (name + "-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
}

TEST(MetricsLogTest, WritesOneFlushedJsonObjectPerLine) {
    const auto path = temp_path("metrics.jsonl");
    MetricsLog log;
    ASSERT_TRUE(MetricsLog::open(path.string(), log).ok());
    log.write({{"type", "train"}, {"step", 1}});
    // Flushed per line: readable before the log is closed.
    {
        std::ifstream in(path);
        std::string line;
        ASSERT_TRUE(std::getline(in, line));
        EXPECT_EQ(nlohmann::json::parse(line)["step"], 1);
    }
    log.write({{"type", "eval"}, {"test_accuracy", 0.5}});
    std::ifstream in(path);
    std::string first, second, third;
    ASSERT_TRUE(std::getline(in, first));
    ASSERT_TRUE(std::getline(in, second));
    EXPECT_FALSE(std::getline(in, third));
    EXPECT_EQ(nlohmann::json::parse(second)["type"], "eval");
    std::filesystem::remove(path);
}

TEST(MetricsLogTest, UnopenedLogSwallowsRecords) {
    MetricsLog log;
    EXPECT_FALSE(log.enabled());
    log.write({{"type", "train"}});  // must not crash
}

TEST(MetricsLogTest, UnwritablePathIsAnErrorNamingIt) {
    MetricsLog log;
    auto opened = MetricsLog::open("/nonexistent-dir/metrics.jsonl", log);
    ASSERT_FALSE(opened.ok());
    EXPECT_NE(opened.error().message().find("/nonexistent-dir/metrics.jsonl"), std::string::npos);
}

TEST(WriteJsonFileTest, ReplacesTheFileWhole) {
    const auto path = temp_path("summary.json");
    ASSERT_TRUE(write_json_file(path.string(), {{"steps", 1}}).ok());
    ASSERT_TRUE(write_json_file(path.string(), {{"steps", 2}}).ok());
    std::ifstream in(path);
    EXPECT_EQ(nlohmann::json::parse(in)["steps"], 2);
    EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
    std::filesystem::remove(path);
}

TEST(ProcessStatsTest, ReportsPlausibleValues) {
    EXPECT_GT(peak_rss_mb(), 1.0);
    EXPECT_GE(usable_cpus(), 1);
}

}  // namespace
}  // namespace slipway
