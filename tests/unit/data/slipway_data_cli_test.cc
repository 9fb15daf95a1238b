// Runs the slipway-data binary: what lives in its main() (logger, --help, exit codes).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_files.h"

namespace slipway {
namespace {

using slipway::testing::TempDir;
using slipway::testing::write_text;

struct Outcome {
    int exit_code = -1;
    std::string out;
    std::string err;
};

std::string quote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Outcome run_tool(const TempDir& dir, const std::vector<std::string>& args) {
    // Appended piecewise: "literal" + std::string&& trips a false -Wrestrict in GCC 12.
    std::string command = "env -u SLIPWAY_LOG_LEVEL ";
    command += quote(SLIPWAY_DATA_BINARY);
    for (const std::string& arg : args) {
        command += " ";
        command += quote(arg);
    }
    command += " >";
    command += quote(dir.file("stdout"));
    command += " 2>";
    command += quote(dir.file("stderr"));
    const int status = std::system(command.c_str());
    Outcome outcome;
    if (status != -1 && WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
    outcome.out = slurp(dir.file("stdout"));
    outcome.err = slurp(dir.file("stderr"));
    return outcome;
}

TEST(SlipwayDataCliTest, HelpListsExitCodes) {
    TempDir dir;
    const Outcome help = run_tool(dir, {"--help"});
    EXPECT_EQ(help.exit_code, 0);
    for (const char* line :
         {"   0  done", "   2  bad flags", "   3  bad or missing data", "  11  out of memory"}) {
        EXPECT_NE(help.out.find(line), std::string::npos) << line << "\n" << help.out;
    }
}

TEST(SlipwayDataCliTest, LogLinesAreTaggedWithTheProgramNotARank) {
    TempDir dir;
    write_text(dir.file("in.csv"), "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n");
    const Outcome ok =
        run_tool(dir, {"csv", dir.file("in.csv"), "--label", "label", "-o", dir.file("out.h5")});
    EXPECT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_NE(ok.out.find("wrote " + dir.file("out.h5") + ": 4 train + 0 test rows"),
              std::string::npos)
        << ok.out;
    EXPECT_NE(ok.err.find("[slipway-data] info reading " + dir.file("in.csv")), std::string::npos)
        << ok.err;
    EXPECT_EQ(ok.err.find("rank"), std::string::npos) << ok.err;

    const Outcome quiet = run_tool(dir, {"--log-level", "warn", "csv", dir.file("in.csv"),
                                         "--label", "label", "-o", dir.file("out.h5")});
    EXPECT_EQ(quiet.exit_code, 0);
    EXPECT_EQ(quiet.err, "");
}

TEST(SlipwayDataCliTest, ExitCodes) {
    TempDir dir;
    const Outcome bad_flag = run_tool(dir, {"csv", "--no-such-flag"});
    EXPECT_EQ(bad_flag.exit_code, 2) << bad_flag.err;

    write_text(dir.file("bad.csv"), "a,label\n1,0\n1e300,1\n");
    const Outcome bad_cell =
        run_tool(dir, {"csv", dir.file("bad.csv"), "--label", "label", "-o", dir.file("o.h5")});
    EXPECT_EQ(bad_cell.exit_code, 3);
    EXPECT_NE(bad_cell.err.find("slipway-data: error: " + dir.file("bad.csv") +
                                ":3: column 'a' (1): '1e300' is outside the float32 range"),
              std::string::npos)
        << bad_cell.err;

    const Outcome missing = run_tool(dir, {"inspect", dir.file("missing.h5")});
    EXPECT_EQ(missing.exit_code, 3);
    EXPECT_NE(missing.err.find(dir.file("missing.h5")), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace slipway
