#pragma once

#include <signal.h>

#include <vector>

#include "supervise/unique_fd.h"

namespace slipway::launch {

// While alive, SIGTERM, SIGINT and SIGCHLD do not interrupt anything: they are blocked and
// queued on a signalfd that the supervisor's poll loop reads, so no work happens in a signal
// handler and no global flag is needed. SIGPIPE is ignored (a closed stdout must not kill the
// supervisor and orphan the children) and SIGCHLD is set to its default disposition (if the
// caller ignored it, the kernel would reap the children before the supervisor saw their
// codes). Everything is restored at destruction.
//
// Blocking works for the calling thread only: use it in a single-threaded program, or one whose
// other threads block these signals too (slipway-launch is single-threaded).
class SignalChannel {
 public:
    SignalChannel();  // throws OsError
    ~SignalChannel();
    SignalChannel(const SignalChannel&) = delete;
    SignalChannel& operator=(const SignalChannel&) = delete;

    // The descriptor to poll for POLLIN.
    int fd() const { return fd_.get(); }

    // The signals that arrived since the last call, in order; empty when none.
    std::vector<int> take();

 private:
    UniqueFd fd_;
    sigset_t previous_mask_;
    struct sigaction previous_pipe_;
    struct sigaction previous_child_;
};

}  // namespace slipway::launch
