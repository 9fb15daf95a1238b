#pragma once

#include <string>

#include "common/status.h"

namespace slipway::launch {

// `slipway-launch status`: the workload's state and, per pod, its index, phase, restarts,
// exit code and termination message (what `slipway-launch exec` wrote: which rank failed
// and why). Inputs are `kubectl get ... -o json` outputs; an Error when they are not JSON of
// the expected shape.
Result<std::string> format_job_status(const std::string& workload_json,
                                      const std::string& pods_json);

}  // namespace slipway::launch
