// local/mpirun_command: mpirun's command line for `slipway-launch run` on one machine.
#include "local/mpirun_command.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace slipway::launch {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

using Env = std::map<std::string, std::string>;

struct Case {
    const char* name;
    int ranks;
    int cores;
    bool root;
    std::vector<std::string> argv;
    Env env;
};

const std::vector<std::string> kTrainer = {"slipway-train", "configs/job.yaml", "--set",
                                           "train.epochs=1", "--extra"};

std::vector<std::string> expected_argv(const std::string& np, bool oversubscribe,
                                       const std::string& threads) {
    std::vector<std::string> argv = {"mpirun", "-np", np};
    if (oversubscribe) argv.push_back("--oversubscribe");
    for (const char* arg : {"--mca", "btl", "self,vader", "--mca", "pml", "ob1", "--mca",
                            "odls_base_sigkill_timeout", "1"}) {
        argv.push_back(arg);
    }
    // Bound to as many cores as BLAS threads; oversubscribed: not bound at all.
    if (oversubscribe) {
        argv.insert(argv.end(), {"--bind-to", "none"});
    } else {
        argv.insert(argv.end(), {"--map-by", "slot:PE=" + threads, "--bind-to", "core"});
    }
    argv.push_back("-x");
    argv.push_back("OMP_NUM_THREADS=" + threads);
    argv.push_back("-x");
    argv.push_back("OPENBLAS_NUM_THREADS=" + threads);
    argv.push_back("-x");
    argv.push_back("SLIPWAY_EXIT_STATUS_DIR=/tmp/run-1/status");
    argv.insert(argv.end(), kTrainer.begin(), kTrainer.end());
    return argv;
}

const Env kRootEnv = {{"OMPI_ALLOW_RUN_AS_ROOT", "1"}, {"OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"}};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class MpirunCommandTest : public testing::TestWithParam<Case> {};

TEST_P(MpirunCommandTest, WholeCommand) {
    LocalRunPlan plan;
    plan.ranks = GetParam().ranks;
    plan.cores = GetParam().cores;
    plan.root = GetParam().root;
    plan.trainer_argv = kTrainer;
    plan.exit_status_dir = "/tmp/run-1/status";
    const LocalCommand command = mpirun_command(plan);
    EXPECT_EQ(command.argv, GetParam().argv);
    EXPECT_EQ(command.env, GetParam().env);
}

INSTANTIATE_TEST_SUITE_P(
    Machines, MpirunCommandTest,
    testing::Values(
        Case{"OneRankOneCore", 1, 1, false, expected_argv("1", false, "1"), {}},
        Case{"FewerRanksThanCores", 2, 8, false, expected_argv("2", false, "4"), {}},
        Case{"RanksEqualCores", 4, 4, false, expected_argv("4", false, "1"), {}},
        Case{"MoreRanksThanCores", 4, 2, false, expected_argv("4", true, "1"), {}},
        Case{"UnevenShare", 3, 8, false, expected_argv("3", false, "2"), {}},
        Case{"Root", 2, 8, true, expected_argv("2", false, "4"), kRootEnv},
        Case{"RootOversubscribed", 8, 2, true, expected_argv("8", true, "1"), kRootEnv}),
    [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// mpirun's own SIGTERM-to-SIGKILL wait stays at 1 s (Open MPI 4.1 sleeps it per rank even
// when the ranks are gone); slipway-launch gives the ranks their grace period itself.
TEST(MpirunCommandTest, SigkillTimeoutIsShortWhateverTheMachine) {
    for (int ranks : {1, 4, 64}) {
        LocalRunPlan plan;
        plan.ranks = ranks;
        plan.cores = 8;
        const auto& argv = mpirun_command(plan).argv;
        const auto at = std::find(argv.begin(), argv.end(), "odls_base_sigkill_timeout");
        ASSERT_NE(at, argv.end());
        ASSERT_NE(at + 1, argv.end());
        EXPECT_EQ(*(at + 1), "1");
        EXPECT_EQ(*(at - 1), "--mca");
    }
}

TEST(MpirunCommandTest, NoExitStatusDirNoVariable) {
    LocalRunPlan plan;
    plan.mpirun = "/opt/openmpi/bin/mpirun";
    plan.trainer_argv = {"slipway-train", "job.yaml"};
    const LocalCommand command = mpirun_command(plan);
    EXPECT_THAT(command.argv,
                ElementsAre("/opt/openmpi/bin/mpirun", "-np", "1", "--mca", "btl", "self,vader",
                            "--mca", "pml", "ob1", "--mca", "odls_base_sigkill_timeout", "1",
                            "--map-by", "slot:PE=1", "--bind-to", "core", "-x",
                            "OMP_NUM_THREADS=1", "-x", "OPENBLAS_NUM_THREADS=1",
                            "slipway-train", "job.yaml"));
    EXPECT_TRUE(command.env.empty());
}

TEST(MpirunCommandTest, TrainerArgvIsLastAndInOrder) {
    LocalRunPlan plan;
    plan.ranks = 2;
    plan.cores = 4;
    plan.trainer_argv = {"slipway-train", "a b.yaml", "--set", "x=-np", "-x", "--oversubscribe"};
    const auto& argv = mpirun_command(plan).argv;
    ASSERT_GE(argv.size(), plan.trainer_argv.size());
    EXPECT_THAT(std::vector<std::string>(argv.end() - plan.trainer_argv.size(), argv.end()),
                ElementsAreArray(plan.trainer_argv));
    // The trainer's own "--oversubscribe" is not mpirun's.
    EXPECT_EQ(std::count(argv.begin(), argv.end(), "--oversubscribe"), 1);
    EXPECT_EQ(std::find(argv.begin(), argv.end(), "--oversubscribe"), argv.end() - 1);
}

struct ThreadsCase {
    int cores, ranks, threads;
};

TEST(MpirunCommandTest, ThreadsPerRankAtLeastOne) {
    for (const ThreadsCase& c : std::vector<ThreadsCase>{
             {8, 2, 4}, {8, 3, 2}, {1, 4, 1}, {16, 16, 1}, {64, 1, 64}, {0, 2, 1}, {4, 0, 4}}) {
        EXPECT_EQ(threads_per_rank(c.cores, c.ranks), c.threads)
            << c.cores << " cores, " << c.ranks << " ranks";
    }
}

}  // namespace
}  // namespace slipway::launch
