#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace slipway::launch {

// kubectl as a child process. The binary is $SLIPWAY_KUBECTL, else `kubectl` on PATH; there
// is no API client in slipway: kubectl already knows the user's contexts, credentials and
// plugins, and its errors are the ones users know.
struct KubectlOutput {
    int exit_code = 0;
    std::string out;  // stdout, when captured
    std::string err;  // stderr, when captured
};

// Runs kubectl with `args`, writing `input` to its stdin. With `capture` false its output goes
// straight to ours (apply, delete, logs); with true it is returned (get -o json). An Error
// only when kubectl cannot be started at all.
Result<KubectlOutput> run_kubectl(const std::vector<std::string>& args, const std::string& input,
                                  bool capture);

}  // namespace slipway::launch
