// A writer killed with SIGKILL at any moment must leave only whole checkpoints behind.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "checkpoint/checkpoint.h"
#include "checkpoint_test_util.h"

namespace slipway {
namespace {

using slipway::testing::make_state;
using slipway::testing::parameter_value;
using slipway::testing::TempDir;

constexpr int kKeep = 3;

// 512 * 512 + 512 parameters: about 1 MB, plus as much again of momentum.
MlpConfig megabyte_model() {
    MlpConfig model = testing::small_model();
    model.inputs = 512;
    model.hidden = {};
    model.outputs = 512;
    return model;
}

// The child: checkpoints step `start`, start + 1, ... until killed. Never returns; _exit skips
// the parent's atexit handlers and gtest's state, which belong to the parent.
[[noreturn]] void write_until_killed(const std::string& dir, int64_t start) {
    try {
        CheckpointState state = make_state(start, megabyte_model());
        for (int64_t step = start; step < start + 100000; ++step) {
            state.step = step;
            for (size_t i = 0; i < state.parameters.size(); ++i) {
                state.parameters[i] = parameter_value(step, i);
            }
            if (!write_checkpoint(dir, state, kKeep).ok()) _exit(3);
        }
        _exit(0);
    } catch (...) {
        _exit(4);
    }
}

// The step of the newest checkpoint by name, without touching HDF5 (0 when there is none).
int64_t newest_step(const std::string& dir) {
    const auto paths = list_checkpoints(dir);
    if (paths.empty()) return 0;
    const std::string name = std::filesystem::path(paths.front()).filename();
    return std::stoll(name.substr(5, name.size() - 8));
}

// Every checkpoint file reads cleanly and holds its own step's parameters; the loader picks
// the newest.
void expect_only_whole_checkpoints(const std::string& dir, const std::string& round) {
    const auto paths = list_checkpoints(dir);
    EXPECT_LE(paths.size(), static_cast<size_t>(kKeep + 1)) << round;  // killed before pruning
    for (const auto& path : paths) {
        auto state = read_checkpoint(path);
        ASSERT_TRUE(state.ok()) << round << ": " << state.error().message();
        EXPECT_EQ(std::filesystem::path(path).filename(),
                  "ckpt-" + std::string(10 - std::to_string(state->step).size(), '0') +
                      std::to_string(state->step) + ".h5");
        for (size_t i : {size_t{0}, state->parameters.size() / 2, state->parameters.size() - 1}) {
            ASSERT_EQ(state->parameters[i], parameter_value(state->step, i)) << round << path;
        }
    }
    auto newest = load_newest_checkpoint(dir, [&](const std::string& path, const Error& why) {
        ADD_FAILURE() << round << ": skipped " << path << ": " << why.message();
    });
    if (paths.empty()) {
        EXPECT_FALSE(newest.has_value()) << round;
    } else {
        ASSERT_TRUE(newest.has_value()) << round;
        EXPECT_EQ(newest->first, paths.front()) << round;
    }
}

// Starts a writer, lets it run until `until` says stop, kills it with SIGKILL.
template <class Until>
void run_and_kill(const std::string& dir, Until until) {
    const int64_t start = newest_step(dir) + 1;  // as a resumed job would
    const pid_t child = fork();
    ASSERT_GE(child, 0) << "fork failed";
    if (child == 0) write_until_killed(dir, start);
    until();
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    // A writer that stopped by itself failed to write a checkpoint.
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "writer exited with status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

TEST(CheckpointCrash, KillAtAnyMomentLeavesOnlyWholeCheckpoints) {
    TempDir dir;
    constexpr int kRounds = 16;
    for (int round = 0; round < kRounds; ++round) {
        // 0 to 50 ms: before the first write finishes, mid-write, mid-rename or mid-prune.
        const auto delay = std::chrono::microseconds(round * 50000 / (kRounds - 1));
        run_and_kill(dir.path(), [&] { std::this_thread::sleep_for(delay); });
        expect_only_whole_checkpoints(dir.path(), "round " + std::to_string(round));
        if (HasFatalFailure()) return;
    }
    // However slow the disk, end with a round that completed a checkpoint, then was killed.
    const int64_t before = newest_step(dir.path());
    run_and_kill(dir.path(), [&] {
        for (int i = 0; i < 1000 && newest_step(dir.path()) <= before; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
    EXPECT_GT(newest_step(dir.path()), before);
    expect_only_whole_checkpoints(dir.path(), "last round");
}

}  // namespace
}  // namespace slipway
