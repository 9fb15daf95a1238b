#include "tracking/mlflow_client.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace slipway::tracking {
namespace {

constexpr const char* kApi = "/api/2.0/mlflow";
constexpr size_t kMaxMetrics = 1000;  // per log-batch request (MLflow's limits)
constexpr size_t kMaxParams = 100;
constexpr size_t kMaxTags = 100;

nlohmann::json key_values(const KeyValues& pairs, size_t begin, size_t end) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = begin; i < end; ++i) {
        out.push_back({{"key", pairs[i].first}, {"value", pairs[i].second}});
    }
    return out;
}

// The string at answer[keys[0]][keys[1]]...; "" when the answer has another shape.
std::string string_at(const nlohmann::json& answer, std::initializer_list<const char*> keys) {
    const nlohmann::json* node = &answer;
    for (const char* key : keys) {
        if (!node->is_object() || !node->contains(key)) return "";
        node = &(*node)[key];
    }
    return node->is_string() ? node->get<std::string>() : "";
}

}  // namespace

Result<nlohmann::json> MlflowClient::call(const std::string& method, const std::string& path,
                                          const std::string& body, const Cancelled& cancelled) {
    auto response = http_.send(method, kApi + path, body, "application/json", cancelled);
    SLIPWAY_RETURN_IF_ERROR(response);
    nlohmann::json answer = nlohmann::json::parse(response->body, nullptr, false);
    if (response->status < 200 || response->status >= 300) {
        std::string what = "HTTP " + std::to_string(response->status);
        if (answer.is_object() && answer.contains("error_code")) {
            what +=
                fmt::format(" {}: {}", answer.value("error_code", ""), answer.value("message", ""));
        } else {
            what += ": " + response->body.substr(0, 200);
        }
        Error error{ExitCode::kInternal, what, method + " " + http_.endpoint().url(kApi + path),
                    ""};
        return error;
    }
    if (answer.is_discarded()) {
        return Error{ExitCode::kInternal, "the answer is not JSON",
                     method + " " + http_.endpoint().url(kApi + path),
                     "is MLFLOW_TRACKING_URI an MLflow tracking server?"};
    }
    return answer;
}

Result<std::string> MlflowClient::required(const std::string& value, const std::string& call) {
    if (!value.empty()) return value;
    return Error{ExitCode::kInternal, "the answer lacks the id it should carry",
                 http_.endpoint().url(std::string(kApi) + "/" + call),
                 "is MLFLOW_TRACKING_URI an MLflow tracking server?"};
}

Result<std::string> MlflowClient::get_or_create_experiment(const std::string& name,
                                                           const Cancelled& cancelled) {
    const std::string lookup = "/experiments/get-by-name?experiment_name=" + percent_encode(name);
    for (int round = 0; round < 2; ++round) {
        auto found = call("GET", lookup, "", cancelled);
        if (found.ok())
            return required(string_at(*found, {"experiment", "experiment_id"}),
                            "experiments/get-by-name");
        if (found.error().what.find("RESOURCE_DOES_NOT_EXIST") == std::string::npos) {
            return found.error();
        }
        auto created =
            call("POST", "/experiments/create", nlohmann::json{{"name", name}}.dump(), cancelled);
        if (created.ok()) {
            return required(string_at(*created, {"experiment_id"}), "experiments/create");
        }
        // Another run created it between the two calls: look it up again.
        if (created.error().what.find("RESOURCE_ALREADY_EXISTS") == std::string::npos) {
            return created.error();
        }
    }
    return Error{ExitCode::kInternal, "experiment '" + name + "' neither found nor created",
                 http_.endpoint().url(kApi), ""};
}

Result<std::string> MlflowClient::create_run(const std::string& experiment_id,
                                             const std::string& run_name, int64_t start_time_ms,
                                             const KeyValues& tags, const Cancelled& cancelled) {
    const nlohmann::json body = {{"experiment_id", experiment_id},
                                 {"run_name", run_name},
                                 {"start_time", start_time_ms},
                                 {"tags", key_values(tags, 0, tags.size())}};
    auto created = call("POST", "/runs/create", body.dump(), cancelled);
    SLIPWAY_RETURN_IF_ERROR(created);
    return required(string_at(*created, {"run", "info", "run_id"}), "runs/create");
}

Status MlflowClient::log_batch(const std::string& run_id, const std::vector<MlflowMetric>& metrics,
                               const KeyValues& params, const KeyValues& tags,
                               const Cancelled& cancelled) {
    nlohmann::json finite = nlohmann::json::array();
    for (const MlflowMetric& metric : metrics) {
        if (!std::isfinite(metric.value)) continue;
        finite.push_back({{"key", metric.key},
                          {"value", metric.value},
                          {"timestamp", metric.timestamp_ms},
                          {"step", metric.step}});
    }
    size_t m = 0, p = 0, t = 0;
    while (m < finite.size() || p < params.size() || t < tags.size()) {
        const size_t m_end = std::min(finite.size(), m + kMaxMetrics);
        const size_t p_end = std::min(params.size(), p + kMaxParams);
        const size_t t_end = std::min(tags.size(), t + kMaxTags);
        nlohmann::json body = {{"run_id", run_id},
                               {"metrics", nlohmann::json::array()},
                               {"params", key_values(params, p, p_end)},
                               {"tags", key_values(tags, t, t_end)}};
        // The 1000 entities of one request: the metrics fill what params and tags leave.
        const size_t room = kMaxMetrics - (p_end - p) - (t_end - t);
        const size_t metric_end = std::min(m_end, m + room);
        for (size_t i = m; i < metric_end; ++i) body["metrics"].push_back(finite[i]);
        auto logged = call("POST", "/runs/log-batch", body.dump(), cancelled);
        SLIPWAY_RETURN_IF_ERROR(logged);
        m = metric_end;
        p = p_end;
        t = t_end;
    }
    return Status::success();
}

Status MlflowClient::end_run(const std::string& run_id, const std::string& status,
                             int64_t end_time_ms, const Cancelled& cancelled) {
    const nlohmann::json body = {{"run_id", run_id}, {"status", status}, {"end_time", end_time_ms}};
    auto updated = call("POST", "/runs/update", body.dump(), cancelled);
    SLIPWAY_RETURN_IF_ERROR(updated);
    return Status::success();
}

}  // namespace slipway::tracking
