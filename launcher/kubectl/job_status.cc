#include "kubectl/job_status.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace slipway::launch {
namespace {

using nlohmann::json;

std::string text_at(const json& node, const json::json_pointer& pointer,
                    const std::string& fallback = "") {
    if (!node.contains(pointer)) return fallback;
    const json& value = node.at(pointer);
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer()) return std::to_string(value.get<long long>());
    return fallback;
}

long long number_at(const json& node, const json::json_pointer& pointer) {
    if (!node.contains(pointer) || !node.at(pointer).is_number_integer()) return 0;
    return node.at(pointer).get<long long>();
}

// The workload's overall state from its conditions, the way `kubectl get` would say it.
std::string workload_state(const json& workload) {
    const json::json_pointer conditions_path("/status/conditions");
    std::string state;
    if (workload.contains(conditions_path) && workload.at(conditions_path).is_array()) {
        for (const json& condition : workload.at(conditions_path)) {
            if (condition.value("status", "") != "True") continue;
            const std::string type = condition.value("type", "");
            const std::string reason = condition.value("reason", "");
            const std::string message = condition.value("message", "");
            if (type == "Complete" || type == "Completed" || type == "Succeeded") {
                return "Complete";
            }
            if (type == "Failed") {
                return "Failed" + (reason.empty() ? "" : " (" + reason + ")") +
                       (message.empty() ? "" : ": " + message);
            }
            if (type == "Suspended") state = "Suspended (waiting for the queue to admit it)";
        }
    }
    if (!state.empty()) return state;
    if (number_at(workload, json::json_pointer("/status/active")) > 0) return "Running";
    // MPIJob says so in a condition; JobSet counts active Jobs per replicated job.
    if (workload.contains(conditions_path) && workload.at(conditions_path).is_array()) {
        for (const json& condition : workload.at(conditions_path)) {
            if (condition.is_object() && condition.value("type", "") == "Running" &&
                condition.value("status", "") == "True") {
                return "Running";
            }
        }
    }
    const json::json_pointer replicated("/status/replicatedJobsStatus");
    if (workload.contains(replicated) && workload.at(replicated).is_array()) {
        for (const json& job : workload.at(replicated)) {
            if (job.is_object() && job.value("active", 0LL) > 0) return "Running";
        }
    }
    if (text_at(workload, json::json_pointer("/kind")) == "CronJob") return "Scheduled";
    return "Pending";
}

// A termination message on one line, cut to fit a table.
std::string one_line(std::string text, size_t limit) {
    for (char& c : text) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    if (text.size() > limit) text = text.substr(0, limit - 3) + "...";
    return text;
}

std::string format_parsed(const json& workload, const json& pods) {
    std::string out;
    const std::string kind = text_at(workload, json::json_pointer("/kind"), "?");
    const std::string name = text_at(workload, json::json_pointer("/metadata/name"), "?");
    const std::string ns = text_at(workload, json::json_pointer("/metadata/namespace"), "default");
    out += kind + " " + name + " (namespace " + ns + "): " + workload_state(workload) + "\n";
    if (kind == "Job") {
        out += "  active " + std::to_string(number_at(workload, json::json_pointer("/status/active"))) +
               ", succeeded " +
               std::to_string(number_at(workload, json::json_pointer("/status/succeeded"))) +
               ", failed " +
               std::to_string(number_at(workload, json::json_pointer("/status/failed"))) +
               " (pods)\n";
    }
    const json items = pods.value("items", json::array());
    if (items.empty()) {
        out += "  no pods yet\n";
        return out;
    }
    char header[160];
    std::snprintf(header, sizeof header, "  %-36s %-5s %-10s %-8s %-5s %s\n", "POD", "INDEX",
                  "PHASE", "RESTARTS", "EXIT", "MESSAGE");
    out += header;
    for (const json& pod : items) {
        const std::string pod_name = text_at(pod, json::json_pointer("/metadata/name"), "?");
        std::string index = "-";
        const json::json_pointer labels("/metadata/labels");
        if (pod.contains(labels)) {
            const json& l = pod.at(labels);
            for (const char* key : {"batch.kubernetes.io/job-completion-index",
                                    "training.kubeflow.org/replica-index"}) {
                if (l.contains(key) && l.at(key).is_string()) index = l.at(key).get<std::string>();
            }
        }
        const std::string phase = text_at(pod, json::json_pointer("/status/phase"), "?");
        long long restarts = 0;
        std::string exit_code = "-";
        std::string message;
        const json::json_pointer statuses_path("/status/containerStatuses");
        if (pod.contains(statuses_path) && pod.at(statuses_path).is_array()) {
            for (const json& status : pod.at(statuses_path)) {
                restarts += status.value("restartCount", 0LL);
                for (const char* state : {"/state/terminated", "/lastState/terminated"}) {
                    const json::json_pointer path(state);
                    if (!status.contains(path)) continue;
                    const json& terminated = status.at(path);
                    exit_code = std::to_string(terminated.value("exitCode", 0LL));
                    message = terminated.value("message", terminated.value("reason", ""));
                    break;
                }
                if (message.empty()) {
                    const json::json_pointer waiting("/state/waiting");
                    if (status.contains(waiting)) {
                        const std::string detail = status.at(waiting).value("message", "");
                        message = status.at(waiting).value("reason", "") +
                                  (detail.empty() ? "" : ": " + detail);
                    }
                }
            }
        }
        char row[512];
        std::snprintf(row, sizeof row, "  %-36s %-5s %-10s %-8lld %-5s %s", pod_name.c_str(),
                      index.c_str(), phase.c_str(), restarts, exit_code.c_str(),
                      one_line(message, 160).c_str());
        std::string text = row;
        text.erase(text.find_last_not_of(' ') + 1);
        out += text + "\n";
    }
    return out;
}

}  // namespace

Result<std::string> format_job_status(const std::string& workload_json,
                                      const std::string& pods_json) {
    // Valid JSON of an unexpected shape (a list where a map should be) throws type errors
    // from deep inside; all of it is one error for the user.
    try {
        return format_parsed(json::parse(workload_json), json::parse(pods_json));
    } catch (const json::exception& e) {
        return Error{ExitCode::kInternal,
                     std::string("kubectl printed JSON slipway cannot read: ") + e.what(),
                     "kubectl get -o json", "check kubectl's version and context"};
    }
}

}  // namespace slipway::launch
