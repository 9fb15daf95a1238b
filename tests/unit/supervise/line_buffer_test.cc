#include "supervise/line_buffer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace slipway::launch {
namespace {

struct Collected {
    std::vector<std::string> lines;
    LineSplitter::LineSink sink() {
        return [this](std::string_view line) { lines.emplace_back(line); };
    }
};

TEST(supervise_lines, JoinsChunksIntoLines) {
    LineSplitter splitter;
    Collected got;
    auto sink = got.sink();
    splitter.feed("hel", sink);
    splitter.feed("lo\nwor", sink);
    splitter.feed("ld\n\nlast", sink);
    EXPECT_EQ(got.lines, (std::vector<std::string>{"hello", "world", ""}));
    splitter.flush(sink);
    EXPECT_EQ(got.lines.back(), "last");
    splitter.flush(sink);  // nothing left: no extra empty line
    EXPECT_EQ(got.lines.size(), 4u);
}

TEST(supervise_lines, CutsLinesLongerThanTheLimit) {
    LineSplitter splitter(4);
    Collected got;
    auto sink = got.sink();
    splitter.feed("abcdefghij\n", sink);
    EXPECT_EQ(got.lines, (std::vector<std::string>{"abcd", "efgh", "ij"}));
    got.lines.clear();
    // Exactly the limit, with its newline in the next chunk: one line, not an extra empty one.
    splitter.feed("wxyz", sink);
    splitter.feed("\nq\n", sink);
    EXPECT_EQ(got.lines, (std::vector<std::string>{"wxyz", "q"}));
}

TEST(supervise_lines, TailKeepsTheNewest) {
    TailLines tail(2);
    tail.add("one");
    tail.add("two");
    tail.add("three");
    EXPECT_EQ(std::vector<std::string>(tail.lines().begin(), tail.lines().end()),
              (std::vector<std::string>{"two", "three"}));
    TailLines none(0);
    none.add("x");
    EXPECT_TRUE(none.lines().empty());
}

}  // namespace
}  // namespace slipway::launch
