#pragma once

#include <string>
#include <vector>

#include "render/yaml_value.h"

namespace slipway::render {

// What Kubernetes does with a pod that exits with a given code (DESIGN.md "Exit codes").
enum class FailureAction { kFailJob, kIgnore, kCount };

struct ExitCodeRule {
    int code;               // -1: any other code
    FailureAction action;
    std::string meaning;    // "bad spec or flags"
    std::string why;        // why this action
};

// The exit-code table the podFailurePolicy is built from, and that `plan` prints.
const std::vector<ExitCodeRule>& exit_code_rules();

// Job.spec.podFailurePolicy for the container `container`: 2/3/4/11 fail the job at once;
// 10 (a rank that lost a peer), 143 (preempted after a checkpoint) and pod disruptions are
// ignored, so one incident is counted once, by the pod of the rank that caused it.
Value pod_failure_policy(const std::string& container);

const char* to_string(FailureAction action);

}  // namespace slipway::render
