#include "comm/rank_discovery.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "env_table.h"

namespace slipway {
namespace {

using slipway::testing::Vars;

EnvLookup table(Vars vars) { return slipway::testing::env_table(std::move(vars)); }

struct Case {
    const char* label;
    Vars vars;
    LaunchSource source;
    int rank;
    int world_size;
    int local_rank;
    int local_world_size;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* out) { *out << c.label; }

class DiscoveryTable : public ::testing::TestWithParam<Case> {};

TEST_P(DiscoveryTable, FindsRankAndWorld) {
    const Case& c = GetParam();
    auto found = discover_ranks(table(c.vars));
    ASSERT_TRUE(found.ok()) << c.label << ": " << found.error().message();
    EXPECT_EQ(found->source, c.source) << c.label;
    EXPECT_EQ(found->rank, c.rank) << c.label;
    EXPECT_EQ(found->world_size, c.world_size) << c.label;
    EXPECT_EQ(found->local_rank, c.local_rank) << c.label;
    EXPECT_EQ(found->local_world_size, c.local_world_size) << c.label;
}

const Vars kRendezvous = {{"MASTER_ADDR", "job-0.job"}, {"MASTER_PORT", "29500"}};

Vars with_rendezvous(Vars vars) {
    vars.insert(kRendezvous.begin(), kRendezvous.end());
    return vars;
}

INSTANTIATE_TEST_SUITE_P(
    Launchers, DiscoveryTable,
    ::testing::Values(
        Case{"nothing set", {}, LaunchSource::kSingle, 0, 1, 0, 1},
        Case{"openmpi",
             {{"OMPI_COMM_WORLD_RANK", "3"}, {"OMPI_COMM_WORLD_SIZE", "4"},
              {"OMPI_COMM_WORLD_LOCAL_RANK", "1"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}},
             LaunchSource::kMpi, 3, 4, 1, 2},
        Case{"mpich pmi", {{"PMI_RANK", "1"}, {"PMI_SIZE", "2"}}, LaunchSource::kMpi, 1, 2, 0, 0},
        Case{"pmix only", {{"PMIX_RANK", "5"}}, LaunchSource::kMpi, 5, 0, 0, 0},
        Case{"mpi wins over torchrun",
             {{"OMPI_COMM_WORLD_RANK", "0"}, {"OMPI_COMM_WORLD_SIZE", "2"},
              {"OMPI_COMM_WORLD_LOCAL_RANK", "0"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"},
              {"RANK", "1"}, {"WORLD_SIZE", "8"}},
             LaunchSource::kMpi, 0, 2, 0, 2},
        Case{"torchrun",
             with_rendezvous({{"RANK", "5"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"},
                              {"LOCAL_WORLD_SIZE", "4"}}),
             LaunchSource::kTorchrun, 5, 8, 1, 4},
        Case{"torchrun single rank needs no rendezvous", {{"RANK", "0"}, {"WORLD_SIZE", "1"}},
             LaunchSource::kTorchrun, 0, 1, 0, 1},
        Case{"indexed job, 2 processes per pod",
             with_rendezvous({{"JOB_COMPLETION_INDEX", "2"}, {"WORLD_SIZE", "6"},
                              {"LOCAL_WORLD_SIZE", "2"}, {"LOCAL_RANK", "1"}}),
             LaunchSource::kIndexedJob, 5, 6, 1, 2},
        Case{"indexed job, one process per pod",
             with_rendezvous({{"JOB_COMPLETION_INDEX", "3"}, {"WORLD_SIZE", "4"}}),
             LaunchSource::kIndexedJob, 3, 4, 0, 1},
        Case{"slurm", {{"SLURM_PROCID", "7"}, {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "3"}},
             LaunchSource::kSlurm, 7, 8, 3, 0}),
    [](const ::testing::TestParamInfo<Case>& info) {
        std::string name = info.param.label;
        for (char& ch : name) {
            if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
        }
        return name;
    });

struct BadCase {
    const char* label;
    Vars vars;
    const char* expected_text;
};

void PrintTo(const BadCase& c, std::ostream* out) { *out << c.label; }

class DiscoveryErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(DiscoveryErrors, AreExitTwoAndQuoteTheVariables) {
    const BadCase& c = GetParam();
    auto found = discover_ranks(table(c.vars));
    ASSERT_FALSE(found.ok()) << c.label;
    EXPECT_EQ(found.error().code, ExitCode::kBadSpec) << c.label;
    EXPECT_NE(found.error().message().find(c.expected_text), std::string::npos)
        << c.label << ": " << found.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Inconsistent, DiscoveryErrors,
    ::testing::Values(
        BadCase{"rank beyond world", with_rendezvous({{"RANK", "4"}, {"WORLD_SIZE", "4"}}),
                "rank 4 is not below world size 4"},
        BadCase{"mpi rank beyond world",
                {{"OMPI_COMM_WORLD_RANK", "2"}, {"OMPI_COMM_WORLD_SIZE", "2"},
                 {"OMPI_COMM_WORLD_LOCAL_RANK", "0"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "1"}},
                "rank 2 is not below world size 2"},
        BadCase{"rank not a number", {{"RANK", "one"}, {"WORLD_SIZE", "2"}},
                "RANK='one' is not an integer"},
        BadCase{"negative world", {{"RANK", "0"}, {"WORLD_SIZE", "-2"}}, "WORLD_SIZE=-2"},
        BadCase{"rank without world", {{"RANK", "0"}}, "WORLD_SIZE is not"},
        BadCase{"world without rank", {{"WORLD_SIZE", "4"}}, "without RANK"},
        BadCase{"no rendezvous", {{"RANK", "1"}, {"WORLD_SIZE", "2"}},
                "no rendezvous address"},
        BadCase{"port out of range",
                {{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"},
                 {"MASTER_PORT", "70000"}},
                "not a TCP port"},
        BadCase{"indexed job without world", {{"JOB_COMPLETION_INDEX", "0"}},
                "WORLD_SIZE is not"},
        BadCase{"indexed job beyond world",
                with_rendezvous({{"JOB_COMPLETION_INDEX", "2"}, {"WORLD_SIZE", "4"},
                                 {"LOCAL_WORLD_SIZE", "2"}}),
                "rank 4 is not below world size 4"},
        BadCase{"local rank beyond local world",
                with_rendezvous({{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "2"},
                                 {"LOCAL_WORLD_SIZE", "2"}}),
                "local rank 2"},
        BadCase{"slurm without ntasks", {{"SLURM_PROCID", "0"}}, "SLURM_NTASKS is not"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
        std::string name = info.param.label;
        for (char& ch : name) {
            if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
        }
        return name;
    });

}  // namespace
}  // namespace slipway
