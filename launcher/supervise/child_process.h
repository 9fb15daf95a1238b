#pragma once

#include <sys/types.h>

#include "common/status.h"
#include "supervise/child_spec.h"
#include "supervise/unique_fd.h"

namespace slipway::launch {

// A started child: its pid, which is also its process group id, and the non-blocking read
// ends of the pipes that carry its stdout and stderr.
struct SpawnedChild {
    pid_t pid = -1;
    UniqueFd stdout_pipe;
    UniqueFd stderr_pipe;
};

// Starts `spec` with posix_spawnp in a new process group (so that signals reach the child and
// everything it starts, and a terminal's Ctrl-C reaches only the supervisor, which forwards
// it), stdin from /dev/null, every signal at its default disposition and none blocked.
// A command that cannot be executed (not found in PATH, not executable, not a program) is an
// Error with exit code 2: the pod spec is wrong and a retry cannot help. Other failures
// (out of processes, of memory) throw OsError.
Result<SpawnedChild> spawn_child(const ChildSpec& spec);

// Sends `signal` to the process group `pgid`; false (with a warning in the log) when that
// failed for another reason than the group being gone already. Never throws: it runs while
// stopping children, also on error paths.
bool signal_group(pid_t pgid, int signal) noexcept;

}  // namespace slipway::launch
