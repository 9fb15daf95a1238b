#include "supervise/child_env.h"

#include <gtest/gtest.h>

#include "env_table.h"

#include <map>
#include <string>

namespace slipway::launch {
namespace {

using slipway::testing::Vars;

EnvLookup table(Vars vars) { return slipway::testing::env_table(std::move(vars)); }

struct LayoutCase {
    const char* label;
    Vars vars;
    ExecFlags flags;
    int node_rank;
    int local_world_size;
    int world_size;
    const char* master_addr;
    int master_port;
};

void PrintTo(const LayoutCase& c, std::ostream* out) { *out << c.label; }

class supervise_env_layout : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(supervise_env_layout, ReadsPodEnvironment) {
    const LayoutCase& c = GetParam();
    Result<ExecLayout> layout = exec_layout(table(c.vars), c.flags);
    ASSERT_TRUE(layout.ok()) << c.label << ": " << layout.error().message();
    EXPECT_EQ(layout->node_rank, c.node_rank) << c.label;
    EXPECT_EQ(layout->local_world_size, c.local_world_size) << c.label;
    EXPECT_EQ(layout->world_size, c.world_size) << c.label;
    EXPECT_EQ(layout->master_addr, c.master_addr) << c.label;
    EXPECT_EQ(layout->master_port, c.master_port) << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, supervise_env_layout,
    ::testing::Values(
        LayoutCase{"nothing set: one process", {}, {}, 0, 1, 1, "127.0.0.1", 29500},
        LayoutCase{"one pod of 4", {{"LOCAL_WORLD_SIZE", "4"}}, {}, 0, 4, 4, "127.0.0.1", 29500},
        LayoutCase{"--nproc beats LOCAL_WORLD_SIZE",
                   {{"LOCAL_WORLD_SIZE", "4"}},
                   {2, {}},
                   0,
                   2,
                   2,
                   "127.0.0.1",
                   29500},
        LayoutCase{"indexed job, index 0",
                   {{"JOB_COMPLETION_INDEX", "0"},
                    {"LOCAL_WORLD_SIZE", "2"},
                    {"WORLD_SIZE", "4"},
                    {"MASTER_ADDR", "job-0.job"},
                    {"MASTER_PORT", "29400"}},
                   {},
                   0,
                   2,
                   4,
                   "job-0.job",
                   29400},
        LayoutCase{"indexed job, index 1",
                   {{"JOB_COMPLETION_INDEX", "1"},
                    {"LOCAL_WORLD_SIZE", "2"},
                    {"WORLD_SIZE", "4"},
                    {"MASTER_ADDR", "job-0.job"}},
                   {},
                   1,
                   2,
                   4,
                   "job-0.job",
                   29500},
        LayoutCase{"--node-rank beats JOB_COMPLETION_INDEX",
                   {{"JOB_COMPLETION_INDEX", "1"}, {"WORLD_SIZE", "3"}, {"MASTER_ADDR", "m"}},
                   {{}, 2},
                   2,
                   1,
                   3,
                   "m",
                   29500},
        LayoutCase{"WORLD_SIZE equal to the pod: loopback rendezvous",
                   {{"WORLD_SIZE", "2"}, {"LOCAL_WORLD_SIZE", "2"}},
                   {},
                   0,
                   2,
                   2,
                   "127.0.0.1",
                   29500}));

struct ErrorCase {
    const char* label;
    Vars vars;
    ExecFlags flags;
    const char* where;     // names the variable or flag
    const char* mentions;  // a piece of the message
};

void PrintTo(const ErrorCase& c, std::ostream* out) { *out << c.label; }

class supervise_env_error : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(supervise_env_error, IsBadSpecNamingTheVariable) {
    const ErrorCase& c = GetParam();
    Result<ExecLayout> layout = exec_layout(table(c.vars), c.flags);
    ASSERT_FALSE(layout.ok()) << c.label;
    EXPECT_EQ(layout.error().code, ExitCode::kBadSpec) << c.label;
    EXPECT_NE(layout.error().where.find(c.where), std::string::npos)
        << c.label << ": " << layout.error().message();
    EXPECT_NE(layout.error().message().find(c.mentions), std::string::npos)
        << c.label << ": " << layout.error().message();
    EXPECT_FALSE(layout.error().hint.empty()) << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, supervise_env_error,
    ::testing::Values(
        ErrorCase{"non-numeric LOCAL_WORLD_SIZE",
                  {{"LOCAL_WORLD_SIZE", "two"}},
                  {},
                  "LOCAL_WORLD_SIZE",
                  "'two'"},
        ErrorCase{
            "zero LOCAL_WORLD_SIZE", {{"LOCAL_WORLD_SIZE", "0"}}, {}, "LOCAL_WORLD_SIZE", ">= 1"},
        ErrorCase{"trailing junk in WORLD_SIZE", {{"WORLD_SIZE", "4x"}}, {}, "WORLD_SIZE", "'4x'"},
        ErrorCase{
            "negative index", {{"JOB_COMPLETION_INDEX", "-1"}}, {}, "JOB_COMPLETION_INDEX", "'-1'"},
        ErrorCase{"index beyond the world",
                  {{"JOB_COMPLETION_INDEX", "2"},
                   {"LOCAL_WORLD_SIZE", "2"},
                   {"WORLD_SIZE", "4"},
                   {"MASTER_ADDR", "m"}},
                  {},
                  "JOB_COMPLETION_INDEX",
                  "RANK 4 >= WORLD_SIZE=4"},
        ErrorCase{"world not a multiple of the pod",
                  {{"LOCAL_WORLD_SIZE", "2"}, {"WORLD_SIZE", "3"}, {"MASTER_ADDR", "m"}},
                  {},
                  "WORLD_SIZE",
                  "not a multiple"},
        ErrorCase{"second pod without WORLD_SIZE",
                  {{"JOB_COMPLETION_INDEX", "1"}},
                  {},
                  "WORLD_SIZE",
                  "JOB_COMPLETION_INDEX=1"},
        ErrorCase{"several pods without MASTER_ADDR",
                  {{"WORLD_SIZE", "4"}, {"LOCAL_WORLD_SIZE", "2"}},
                  {},
                  "MASTER_ADDR",
                  "2 pods"},
        ErrorCase{"port out of range", {{"MASTER_PORT", "70000"}}, {}, "MASTER_PORT", "70000"},
        ErrorCase{"--nproc 0", {}, {0, {}}, "--nproc", "no processes"},
        ErrorCase{"negative --node-rank", {}, {{}, -1}, "--node-rank", "negative"}));

TEST(supervise_env_children, IndexedJobSecondPodGetsRanksTwoAndThree) {
    Result<ExecLayout> layout = exec_layout(table({{"JOB_COMPLETION_INDEX", "1"},
                                                   {"LOCAL_WORLD_SIZE", "2"},
                                                   {"WORLD_SIZE", "4"},
                                                   {"MASTER_ADDR", "job-0.job"}}),
                                            {});
    ASSERT_TRUE(layout.ok()) << layout.error().message();
    const auto children = exec_children(*layout, {"slipway-train", "job.yaml"});
    ASSERT_EQ(children.size(), 2u);
    for (int local = 0; local < 2; ++local) {
        const ChildSpec& child = children[static_cast<std::size_t>(local)];
        EXPECT_EQ(child.rank, 2 + local);
        EXPECT_EQ(child.argv, (std::vector<std::string>{"slipway-train", "job.yaml"}));
        EXPECT_EQ(child.env.at("RANK"), std::to_string(2 + local));
        EXPECT_EQ(child.env.at("LOCAL_RANK"), std::to_string(local));
        EXPECT_EQ(child.env.at("WORLD_SIZE"), "4");
        EXPECT_EQ(child.env.at("LOCAL_WORLD_SIZE"), "2");
        EXPECT_EQ(child.env.at("MASTER_ADDR"), "job-0.job");
        EXPECT_EQ(child.env.at("MASTER_PORT"), "29500");
        // The trainer picks its device by LOCAL_RANK; the supervisor does not pin one.
        EXPECT_FALSE(child.env.contains("CUDA_VISIBLE_DEVICES"));
    }
}

TEST(supervise_env_children, LocalChildrenAreOneNodeOnLoopback) {
    const auto children = local_children(3, {"a"}, 41000);
    ASSERT_EQ(children.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        const ChildSpec& child = children[static_cast<std::size_t>(i)];
        EXPECT_EQ(child.rank, i);
        EXPECT_EQ(child.env.at("RANK"), std::to_string(i));
        EXPECT_EQ(child.env.at("LOCAL_RANK"), std::to_string(i));
        EXPECT_EQ(child.env.at("WORLD_SIZE"), "3");
        EXPECT_EQ(child.env.at("LOCAL_WORLD_SIZE"), "3");
        EXPECT_EQ(child.env.at("MASTER_ADDR"), "127.0.0.1");
        EXPECT_EQ(child.env.at("MASTER_PORT"), "41000");
    }
}

TEST(supervise_env_children, FreePortIsAUserPort) {
    const int port = find_free_port();
    EXPECT_GT(port, 0);
    EXPECT_LE(port, 65535);
}

}  // namespace
}  // namespace slipway::launch
