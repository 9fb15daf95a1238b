#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace slipway {

// How a rank ended, as it leaves it for a local launcher: under mpirun the launcher sees only
// mpirun's own exit code (1 when ranks stop on SIGTERM, whatever they exited with), so each
// rank writes its code to <dir>/rank-<N>.status when SLIPWAY_EXIT_STATUS_DIR names a folder.
struct RankExit {
    int rank = 0;
    int code = 0;
    int64_t unix_nanos = 0;  // when it exited, to find the first failure
};

inline constexpr const char* kExitStatusDirEnv = "SLIPWAY_EXIT_STATUS_DIR";

// Writes the rank's status when the variable is set; best effort (a launcher that finds no
// file falls back to mpirun's code), so it never fails the rank.
void write_exit_status(int rank, int code);

// Every rank-<N>.status in `dir`, sorted by rank; unreadable files are skipped.
std::vector<RankExit> read_exit_statuses(const std::string& dir);

}  // namespace slipway
