#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "supervise/child_spec.h"

namespace slipway::launch {

struct SuperviseOptions {
    // How long children have between SIGTERM and SIGKILL, both when the supervisor forwards
    // its own SIGTERM and when it stops the siblings of a failed child.
    double grace_seconds = 30;
    // Where the summary of the outcome goes (Kubernetes: /dev/termination-log); "" = nowhere.
    std::string termination_log;
    // How many of the failed child's last output lines the summary quotes.
    std::size_t tail_lines = 20;
    // Each output line re-emitted as "[rank N] line"; false copies the lines unchanged.
    bool prefix_output = true;
    // How a signal reaches a child; unset: its whole process group. `slipway-launch run`
    // sends SIGTERM to the ranks under mpirun instead of to mpirun itself, which stops
    // relaying their output when it is signalled (docs/launcher.md).
    std::function<void(pid_t child, int signal)> signal_child;
};

struct SuperviseResult {
    int exit_code = 0;
    std::optional<int> failed_rank;   // the rank whose code this is; none on success or stop
    std::string reason;               // one line, for the log
    std::string termination_message;  // the summary (also written to termination_log)
};

// Runs `children` to completion and returns the exit code the whole group should report:
//  - every child exited 0: 0;
//  - a child failed (non-zero exit, or killed by signal N: 128 + N) while the supervisor had
//    no stop request: that first failure's code. The siblings are sent SIGTERM and, after
//    grace_seconds, SIGKILL; the codes they exit with then (143, 10) are not the cause and
//    are ignored. Among failures seen in the same instant, one other than 10 (lost a peer)
//    wins: a peer's exit 10 is the consequence of the other's failure;
//  - the supervisor got SIGTERM or SIGINT (signal S): S is forwarded to every child, which
//    gets grace_seconds before SIGKILL; the result is 128 + S (143 for SIGTERM) when every
//    child exited 0, 143 or 128 + S (0 when all exited 0: they had finished), else the first
//    other failure (137 for a child killed after the grace period);
//  - a command that cannot be started (not found, not executable): 2, after stopping the
//    children already started.
// Children's stdout and stderr go, line by line, to this process's stdout and stderr.
// Every wait is bounded: a child that survives SIGKILL for 10 s is abandoned (reported as
// 137). Throws OsError when the OS fails the supervisor itself (pipe, poll); the children are
// killed before the exception leaves.
SuperviseResult supervise(const std::vector<ChildSpec>& children, const SuperviseOptions& options);

}  // namespace slipway::launch
