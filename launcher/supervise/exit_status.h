#pragma once

#include <string>

namespace slipway::launch {

// How one child ended, decoded from waitpid's status. A child killed by signal N is reported
// with the shell's code 128 + N, which is also what the pod shows for it.
struct ExitStatus {
    int code = 0;    // the exit code, or 128 + signal
    int signal = 0;  // the signal that killed it, 0 when it exited

    bool failed() const { return code != 0; }
};

ExitStatus decode_wait_status(int wait_status);

// "SIGKILL" for 9; "signal 70" for a number without a name.
std::string signal_name(int signal);

// What DESIGN.md says an exit code means, for logs and the termination message, e.g.
// "lost a peer or a collective timed out; retried". Codes 128 + N that are not slipway's
// own name the signal. Never empty.
std::string exit_code_meaning(int code);

// "exit code 10 (a peer failed ...)" or "killed by SIGKILL, exit code 137 (...)".
std::string describe(const ExitStatus& status);

}  // namespace slipway::launch
