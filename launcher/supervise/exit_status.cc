#include "supervise/exit_status.h"

#include <sys/wait.h>

#include <csignal>
#include <cstring>

#include "common/exit_code.h"

namespace slipway::launch {

ExitStatus decode_wait_status(int wait_status) {
    if (WIFSIGNALED(wait_status)) {
        const int signal = WTERMSIG(wait_status);
        return {128 + signal, signal};
    }
    return {WEXITSTATUS(wait_status), 0};
}

std::string signal_name(int signal) {
    // sigabbrev_np (glibc >= 2.32) is thread-safe and returns nullptr for unknown numbers,
    // unlike strsignal, whose text is localised and meant for humans.
    if (const char* name = sigabbrev_np(signal)) return std::string("SIG") + name;
    return "signal " + std::to_string(signal);
}

std::string exit_code_meaning(int code) {
    switch (static_cast<ExitCode>(code)) {
        case ExitCode::kOk:
            return "finished";
        case ExitCode::kInternal:
            return "an internal error, a bug: see the log";
        case ExitCode::kBadSpec:
            return "bad spec, flags or environment; not retried";
        case ExitCode::kBadData:
            return "bad or missing data; not retried";
        case ExitCode::kBadCheckpoint:
            return "bad checkpoint or model repository; not retried";
        case ExitCode::kPeerFailed:
            return "lost a peer or a collective timed out; retried";
        case ExitCode::kOutOfMemory:
            return "out of memory, detected by the program; not retried";
        case ExitCode::kPreempted:
            return "stopped by SIGTERM after a checkpoint; retried";
    }
    if (code == 128 + SIGKILL) {
        return "killed by SIGKILL: a kernel out-of-memory kill or a kill after the grace "
               "period; counts against the backoff limit";
    }
    if (code > 128 && code < 128 + 65) return "killed by " + signal_name(code - 128);
    if (code == 127) return "a shell could not find the command";
    if (code == 126) return "a shell could not execute the command";
    return "not one of slipway's exit codes";
}

std::string describe(const ExitStatus& status) {
    const std::string code = "exit code " + std::to_string(status.code);
    if (status.signal == 0) return code + " (" + exit_code_meaning(status.code) + ")";
    // Killed, not exited: the table's meaning of 143 ("after a checkpoint") would be wrong for a
    // process that SIGTERM ended without a handler, so only SIGKILL gets an explanation.
    std::string text = "killed by " + signal_name(status.signal) + ", " + code;
    if (status.signal == SIGKILL) text += " (" + exit_code_meaning(status.code) + ")";
    return text;
}

}  // namespace slipway::launch
