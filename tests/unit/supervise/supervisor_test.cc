// supervise() on real /bin/sh children; the Python test tests/launcher/test_exec.py covers the
// `exec` command around it, signals sent to the supervisor included.
#include "supervise/supervisor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace slipway::launch {
namespace {

ChildSpec shell(int rank, const std::string& script) {
    return ChildSpec{rank, {"/bin/sh", "-c", script}, {{"RANK", std::to_string(rank)}}};
}

// Exits 143 on SIGTERM, as slipway-train does after its checkpoint.
const char* kWaitsForTerm = "trap 'exit 143' TERM; while :; do sleep 0.05; done";

SuperviseOptions quick(double grace = 5) {
    SuperviseOptions options;
    options.grace_seconds = grace;
    return options;
}

TEST(supervise_run, AllFinish) {
    const SuperviseResult result = supervise({shell(0, "echo zero"), shell(1, "exit 0")}, quick());
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_FALSE(result.failed_rank);
    EXPECT_NE(result.termination_message.find("all 2 ranks finished"), std::string::npos);
}

TEST(supervise_run, FirstFailureWinsOverStoppedSiblings) {
    const SuperviseResult result =
        supervise({shell(0, kWaitsForTerm), shell(1, "echo before; echo boom >&2; exit 3"),
                   shell(2, kWaitsForTerm)},
                  quick());
    EXPECT_EQ(result.exit_code, 3);
    ASSERT_TRUE(result.failed_rank);
    EXPECT_EQ(*result.failed_rank, 1);
    const std::string& message = result.termination_message;
    EXPECT_NE(message.find("rank 1 of 3 ranks failed first: exit code 3"), std::string::npos)
        << message;
    EXPECT_NE(message.find("last lines of rank 1:\nbefore\nboom\n"), std::string::npos) << message;
    EXPECT_NE(message.find("0: 143, 1: 3, 2: 143"), std::string::npos) << message;
}

TEST(supervise_run, SiblingIgnoringTermIsKilledAfterGrace) {
    const auto start = std::chrono::steady_clock::now();
    const SuperviseResult result = supervise(
        {shell(0, "sleep 0.2; exit 11"), shell(1, "trap '' TERM; while :; do sleep 0.05; done")},
        quick(0.5));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(result.exit_code, 11);
    EXPECT_LT(seconds, 3.0);
    EXPECT_NE(result.termination_message.find("1: 137"), std::string::npos)
        << result.termination_message;
}

TEST(supervise_run, KilledBySignalIs128PlusSignal) {
    const SuperviseResult result =
        supervise({shell(0, "echo dying; kill -KILL $$"), shell(1, kWaitsForTerm)}, quick());
    EXPECT_EQ(result.exit_code, 137);
    EXPECT_NE(result.termination_message.find("killed by SIGKILL"), std::string::npos)
        << result.termination_message;
    EXPECT_NE(result.termination_message.find("dying"), std::string::npos);
}

TEST(supervise_run, CommandNotFoundIsBadSpec) {
    const SuperviseResult result =
        supervise({ChildSpec{0, {"slipway-no-such-command"}, {}}}, quick());
    EXPECT_EQ(result.exit_code, 2);
    ASSERT_TRUE(result.failed_rank);
    EXPECT_EQ(*result.failed_rank, 0);
    EXPECT_NE(result.reason.find("slipway-no-such-command"), std::string::npos) << result.reason;
    EXPECT_NE(result.reason.find("PATH"), std::string::npos) << result.reason;
}

TEST(supervise_run, LaterCommandNotFoundStopsTheStartedOnes) {
    const auto start = std::chrono::steady_clock::now();
    const SuperviseResult result =
        supervise({shell(0, kWaitsForTerm), ChildSpec{1, {"/nonexistent/program"}, {}}}, quick());
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.failed_rank, 1);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 3.0);
}

TEST(supervise_run, WritesTheTerminationLog) {
    testing::TempDir dir;
    SuperviseOptions options = quick();
    options.termination_log = dir.file("termination-log");
    options.tail_lines = 2;
    const SuperviseResult result =
        supervise({shell(0, "echo one; echo two; printf three; exit 4")}, options);
    EXPECT_EQ(result.exit_code, 4);
    std::ifstream in(options.termination_log);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), result.termination_message);
    // Two tail lines; the partial last line counts as one.
    EXPECT_NE(text.str().find("last lines of rank 0:\ntwo\nthree\n"), std::string::npos)
        << text.str();
    EXPECT_NE(text.str().find("bad checkpoint"), std::string::npos) << text.str();
}

TEST(supervise_run, EnvironmentOverridesReachTheChild) {
    const SuperviseResult result = supervise(
        {ChildSpec{
            0, {"/bin/sh", "-c", "test \"$RANK\" = 7 && test -n \"$PATH\""}, {{"RANK", "7"}}}},
        quick());
    EXPECT_EQ(result.exit_code, 0) << result.termination_message;
}

}  // namespace
}  // namespace slipway::launch
