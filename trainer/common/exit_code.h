#pragma once

namespace slipway {

// Process exit codes fixed by DESIGN.md; the launcher maps them into podFailurePolicy.
enum class ExitCode : int {
    kOk = 0,
    kInternal = 1,       // an unexpected internal error (a bug): reported, never a crash
    kBadSpec = 2,        // bad spec or bad flags: do not retry
    kBadData = 3,        // bad or missing data: do not retry
    kBadCheckpoint = 4,  // bad checkpoint or model repository: do not retry
    kPeerFailed = 10,    // a peer failed or a collective timed out: retry
    kOutOfMemory = 11,   // allocation failed: do not retry
    kPreempted = 143,    // stopped by SIGTERM after a checkpoint: retry
};

inline int to_int(ExitCode code) { return static_cast<int>(code); }

}  // namespace slipway
