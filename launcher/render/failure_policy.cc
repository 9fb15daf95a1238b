#include "render/failure_policy.h"

#include "common/exit_code.h"

namespace slipway::render {

const std::vector<ExitCodeRule>& exit_code_rules() {
    static const std::vector<ExitCodeRule> rules = {
        {to_int(ExitCode::kBadSpec), FailureAction::kFailJob, "bad spec or flags",
         "a retry would fail the same way"},
        {to_int(ExitCode::kBadData), FailureAction::kFailJob, "bad or missing data",
         "a retry would fail the same way"},
        {to_int(ExitCode::kBadCheckpoint), FailureAction::kFailJob,
         "bad checkpoint or model repository", "needs a person: resuming would fail again"},
        {to_int(ExitCode::kOutOfMemory), FailureAction::kFailJob, "out of memory (detected)",
         "the same batch needs the same memory: raise resources.memory"},
        {to_int(ExitCode::kPeerFailed), FailureAction::kIgnore,
         "lost a peer or a collective timed out",
         "a symptom: the rank that caused it is counted; the pod is replaced and resumes"},
        {to_int(ExitCode::kPreempted), FailureAction::kIgnore,
         "stopped by SIGTERM after a checkpoint", "preemption or eviction: resume, not a fault"},
        {-1, FailureAction::kCount, "anything else (1 internal error, 137 SIGKILL or OOM kill)",
         "counted against backoffLimit; activeDeadlineSeconds bounds the whole job"},
    };
    return rules;
}

const char* to_string(FailureAction action) {
    switch (action) {
        case FailureAction::kFailJob: return "FailJob";
        case FailureAction::kIgnore: return "Ignore";
        case FailureAction::kCount: return "Count";
    }
    return "Count";
}

Value pod_failure_policy(const std::string& container) {
    Value fail_codes = Value::list();
    Value ignore_codes = Value::list();
    for (const ExitCodeRule& rule : exit_code_rules()) {
        if (rule.action == FailureAction::kFailJob) fail_codes.push(rule.code);
        if (rule.action == FailureAction::kIgnore) ignore_codes.push(rule.code);
    }
    auto on_codes = [&container](const char* action, Value codes) {
        return Value::map({
            {"action", action},
            {"onExitCodes", Value::map({{"containerName", container},
                                        {"operator", "In"},
                                        {"values", std::move(codes)}})},
        });
    };
    return Value::map({{"rules", Value::list({
        on_codes("FailJob", fail_codes),
        on_codes("Ignore", ignore_codes),
        // Evictions, preemption by a higher priority and node drains: not the job's fault.
        Value::map({{"action", "Ignore"},
                    {"onPodConditions",
                     Value::list({Value::map({{"type", "DisruptionTarget"},
                                              {"status", "True"}})})}}),
    })}});
}

}  // namespace slipway::render
