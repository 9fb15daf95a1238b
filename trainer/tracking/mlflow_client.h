#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "tracking/http_client.h"

namespace slipway::tracking {

struct MlflowMetric {
    std::string key;
    double value = 0;
    int64_t timestamp_ms = 0;
    int64_t step = 0;
};

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// MLflow's tracking REST API (/api/2.0/mlflow/...), the calls a training run needs. Each call
// is one request through `http` (with its retries); a non-2xx answer is an Error quoting
// MLflow's error_code and message.
class MlflowClient {
 public:
    using Cancelled = std::function<bool()>;

    explicit MlflowClient(HttpClient& http) : http_(http) {}

    // experiments/get-by-name, else experiments/create (a concurrent create is tolerated).
    Result<std::string> get_or_create_experiment(const std::string& name,
                                                 const Cancelled& cancelled);

    // runs/create; returns the run id. `tags` should hold mlflow.runName.
    Result<std::string> create_run(const std::string& experiment_id, const std::string& run_name,
                                   int64_t start_time_ms, const KeyValues& tags,
                                   const Cancelled& cancelled);

    // runs/log-batch, split to stay within MLflow's limits (1000 metrics, 100 params, 100
    // tags per request). Non-finite metric values are left out (JSON cannot carry them).
    Status log_batch(const std::string& run_id, const std::vector<MlflowMetric>& metrics,
                     const KeyValues& params, const KeyValues& tags, const Cancelled& cancelled);

    // runs/update: status FINISHED, FAILED or KILLED, and the end time.
    Status end_run(const std::string& run_id, const std::string& status, int64_t end_time_ms,
                   const Cancelled& cancelled);

 private:
    // The parsed JSON answer of a 2xx response.
    Result<nlohmann::json> call(const std::string& method, const std::string& path,
                                const std::string& body, const Cancelled& cancelled);

    // `value`, or an Error saying the answer to `call` had no id in it.
    Result<std::string> required(const std::string& value, const std::string& call);

    HttpClient& http_;
};

}  // namespace slipway::tracking
