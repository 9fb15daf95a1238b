// local/job_outcome: one exit code for a local run, from what each rank reported.
#include "local/job_outcome.h"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace slipway::launch {

bool operator==(const JobOutcome& a, const JobOutcome& b) {
    return a.code == b.code && a.culprit_rank == b.culprit_rank && a.summary == b.summary;
}

void PrintTo(const JobOutcome& o, std::ostream* os) {
    *os << "{code " << o.code << ", culprit "
        << (o.culprit_rank ? std::to_string(*o.culprit_rank) : std::string("none")) << ", \""
        << o.summary << "\"}";
}

namespace {

// {rank, code, when}
RankExit at(int rank, int code, int64_t nanos) { return RankExit{rank, code, nanos}; }

const char* const kBadData = "bad or missing data; not retried";
const char* const kLostPeer = "lost a peer or a collective timed out; retried";
const char* const kSigkill =
    "killed by SIGKILL: a kernel out-of-memory kill or a kill after the grace period; counts "
    "against the backoff limit";

struct Case {
    const char* name;
    std::vector<RankExit> reported;
    int world_size;
    int launcher_code;
    bool interrupted;
    JobOutcome expected;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class JobOutcomeTest : public testing::TestWithParam<Case> {};

TEST_P(JobOutcomeTest, Outcome) {
    const Case& c = GetParam();
    EXPECT_EQ(job_outcome(c.reported, c.world_size, c.launcher_code, c.interrupted), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Runs, JobOutcomeTest,
    testing::Values(
        Case{"AllFinished", {at(0, 0, 5), at(1, 0, 6), at(2, 0, 7), at(3, 0, 8)}, 4, 0, false,
             {0, std::nullopt, "all 4 ranks finished"}},
        Case{"FirstOwnFailureWinsOverItsVictims",
             {at(0, 10, 200), at(1, 3, 100), at(2, 10, 150), at(3, 10, 300)}, 4, 1, false,
             {3, 1, std::string("rank 1 exited with 3 (") + kBadData + ")"}},
        // A lost peer reported before the real failure is still only a symptom.
        Case{"OwnFailureWinsOverAnEarlierLostPeer",
             {at(0, 10, 100), at(1, 10, 110), at(2, 3, 500), at(3, 0, 50)}, 4, 1, false,
             {3, 2, std::string("rank 2 exited with 3 (") + kBadData + ")"}},
        Case{"EarliestOfTwoOwnFailures", {at(0, 4, 900), at(1, 11, 400), at(2, 2, 700)}, 3, 1,
             false,
             {11, 1,
              "rank 1 exited with 11 (out of memory, detected by the program; not retried)"}},
        Case{"OnlyLostPeersEarliestRank", {at(0, 10, 300), at(1, 10, 200), at(2, 10, 250)}, 3, 1,
             false, {10, 1, std::string("rank 1 exited with 10 (") + kLostPeer + ")"}},
        Case{"AllPreemptedInterrupted",
             {at(0, 143, 1), at(1, 143, 2), at(2, 143, 3), at(3, 143, 4)}, 4, 1, true,
             {143, std::nullopt,
              "interrupted: the ranks stopped after writing a checkpoint (143); run again to "
              "resume"}},
        Case{"AllPreemptedNotInterrupted", {at(0, 143, 1), at(1, 143, 2)}, 2, 143, false,
             {143, std::nullopt,
              "the ranks stopped after writing a checkpoint (143); run again to resume"}},
        Case{"MixedFinishedAndPreempted", {at(0, 0, 1), at(1, 143, 2), at(2, 0, 3)}, 3, 0, true,
             {143, std::nullopt,
              "interrupted: the ranks stopped after writing a checkpoint (143); run again to "
              "resume"}},
        Case{"SilentRankKilled", {at(0, 10, 10), at(2, 10, 11), at(3, 10, 12)}, 4, 137, false,
             {137, 1,
              std::string("rank 1 ended without reporting (killed by a signal or crashed); the "
                          "launcher exited with 137 (") +
                  kSigkill + ")"}},
        Case{"SeveralSilentRanksNoCulprit", {at(0, 10, 10), at(2, 10, 11)}, 4, 137, false,
             {137, std::nullopt,
              std::string("ranks 1, 3 ended without reporting (killed by a signal or crashed); "
                          "the launcher exited with 137 (") +
                  kSigkill + ")"}},
        Case{"NothingReported", {}, 2, 134, false,
             {134, std::nullopt,
              "ranks 0, 1 ended without reporting (killed by a signal or crashed); the "
              "launcher exited with 134 (killed by SIGABRT)"}},
        // An own failure still beats a silent rank.
        Case{"OwnFailureBeatsSilentRank", {at(0, 3, 10)}, 2, 137, false,
             {3, 0, std::string("rank 0 exited with 3 (") + kBadData + ")"}},
        // Status files are best effort: with the launcher at 0 missing files are no failure.
        Case{"MissingRanksLauncherZero", {at(0, 0, 1)}, 4, 0, false,
             {0, std::nullopt, "all 4 ranks finished"}},
        Case{"NoFilesLauncherFailed", {at(0, 0, 1), at(1, 0, 2)}, 2, 1, false,
             {1, std::nullopt,
              "the launcher exited with 1 (an internal error, a bug: see the log)"}},
        // Silent ranks outrank a lost peer and a preemption.
        Case{"SilentRankBeatsPreempted", {at(0, 143, 1)}, 2, 1, true,
             {1, 1,
              "rank 1 ended without reporting (killed by a signal or crashed); the launcher "
              "exited with 1 (an internal error, a bug: see the log)"}},
        Case{"LostPeerBeatsPreempted", {at(0, 143, 1), at(1, 10, 5)}, 2, 1, true,
             {10, 1, std::string("rank 1 exited with 10 (") + kLostPeer + ")"}},
        // Ties on time: the first reported (lowest rank, the files are sorted) wins.
        Case{"TieGoesToTheFirstReported", {at(0, 2, 7), at(1, 3, 7)}, 2, 1, false,
             {2, 0, "rank 0 exited with 2 (bad spec, flags or environment; not retried)"}}),
    [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace slipway::launch
