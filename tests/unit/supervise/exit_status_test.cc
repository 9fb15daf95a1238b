#include "supervise/exit_status.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>

namespace slipway::launch {
namespace {

TEST(supervise_exit_status, MeaningsFollowDesign) {
    EXPECT_EQ(exit_code_meaning(0), "finished");
    EXPECT_NE(exit_code_meaning(2).find("bad spec"), std::string::npos);
    EXPECT_NE(exit_code_meaning(3).find("data"), std::string::npos);
    EXPECT_NE(exit_code_meaning(4).find("checkpoint"), std::string::npos);
    EXPECT_NE(exit_code_meaning(10).find("lost a peer or a collective timed out"),
              std::string::npos);
    EXPECT_NE(exit_code_meaning(11).find("out of memory"), std::string::npos);
    EXPECT_NE(exit_code_meaning(143).find("after a checkpoint"), std::string::npos);
    EXPECT_NE(exit_code_meaning(137).find("SIGKILL"), std::string::npos);
    EXPECT_NE(exit_code_meaning(128 + SIGSEGV).find("SIGSEGV"), std::string::npos);
    EXPECT_FALSE(exit_code_meaning(42).empty());
}

TEST(supervise_exit_status, DecodesExitAndSignal) {
    // Wait statuses as the kernel encodes them: exit code in bits 8..15, signal in 0..6.
    const ExitStatus exited = decode_wait_status(10 << 8);
    EXPECT_EQ(exited.code, 10);
    EXPECT_EQ(exited.signal, 0);
    const ExitStatus killed = decode_wait_status(SIGKILL);
    EXPECT_EQ(killed.code, 137);
    EXPECT_EQ(killed.signal, SIGKILL);
    EXPECT_TRUE(killed.failed());
    EXPECT_FALSE(decode_wait_status(0).failed());
}

TEST(supervise_exit_status, DescribesSignalsByName) {
    EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
    EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
    EXPECT_EQ(describe({10, 0}), "exit code 10 (lost a peer or a collective timed out; retried)");
    const std::string killed = describe({137, SIGKILL});
    EXPECT_EQ(killed.rfind("killed by SIGKILL, exit code 137 (", 0), 0u) << killed;
    // Killed by SIGTERM without a handler: no checkpoint was written, so not the 143 meaning.
    EXPECT_EQ(describe({143, SIGTERM}), "killed by SIGTERM, exit code 143");
}

}  // namespace
}  // namespace slipway::launch
