#include "supervise/termination_message.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace slipway::launch {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(supervise_message, SummaryThenTail) {
    const std::string message =
        format_termination_message("rank 1 failed: exit code 10", 1, {"step 5", "peer lost"});
    EXPECT_EQ(message, "rank 1 failed: exit code 10\nlast lines of rank 1:\nstep 5\npeer lost\n");
    EXPECT_EQ(format_termination_message("all 2 ranks finished\n", 0, {}),
              "all 2 ranks finished\n");
}

TEST(supervise_message, DropsTheOldestTailLinesFirst) {
    std::deque<std::string> tail;
    for (int i = 0; i < 100; ++i)
        tail.push_back("line " + std::to_string(i) + std::string(80, '.'));
    const std::string message = format_termination_message("rank 0 failed", 0, tail);
    EXPECT_LE(message.size(), kMaxTerminationMessageBytes);
    EXPECT_EQ(message.rfind("rank 0 failed\nlast lines of rank 0:\n", 0), 0u);
    EXPECT_NE(message.find("line 99."), std::string::npos);        // the newest stays
    EXPECT_EQ(message.find("line 0."), std::string::npos);         // the oldest went first
    EXPECT_GT(message.size(), kMaxTerminationMessageBytes - 100);  // and the room is used
}

TEST(supervise_message, KeepsTheEndOfOneHugeLine) {
    const std::string huge = std::string(10000, 'x') + "the error";
    const std::string message = format_termination_message("rank 3 failed", 3, {huge}, 200);
    EXPECT_LE(message.size(), 200u);
    EXPECT_EQ(message.rfind("rank 3 failed\n", 0), 0u);
    EXPECT_NE(message.find("...x"), std::string::npos);
    EXPECT_NE(message.find("the error\n"), std::string::npos);
}

TEST(supervise_message, NeverSplitsUtf8) {
    std::string text;
    for (int i = 0; i < 100; ++i) text += "\xC3\xA9";  // é, two bytes each
    const std::string message = format_termination_message(text, 0, {text}, 51);
    EXPECT_LE(message.size(), 51u);
    EXPECT_EQ(message.size() % 2, 0u) << "cut inside a character";
    EXPECT_EQ(static_cast<unsigned char>(message[0]), 0xC3);
}

TEST(supervise_message, WritesAndOverwritesTheFile) {
    testing::TempDir dir;
    const std::string path = dir.file("termination-log");
    EXPECT_TRUE(write_termination_log(path, "a longer first message\n"));
    EXPECT_TRUE(write_termination_log(path, "second\n"));
    EXPECT_EQ(read_file(path), "second\n");
}

TEST(supervise_message, UnwritableDirectoryIsOnlyAWarning) {
    testing::TempDir dir;
    EXPECT_FALSE(write_termination_log(dir.file("missing/termination-log"), "x\n"));
}

}  // namespace
}  // namespace slipway::launch
