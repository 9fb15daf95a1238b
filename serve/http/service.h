#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "serve/batching/batcher.h"
#include "serve/metrics/serve_metrics.h"
#include "serve/protocol/infer_request.h"
#include "serve/protocol/predict_request.h"
#include "serve/protocol/route.h"
#include "serve/repository/model_slot.h"

namespace slipway::serve {

// One HTTP request as the service sees it, whatever library read it.
struct ServiceRequest {
    std::string_view method;  // "GET", "HEAD", "POST", ...
    std::string_view path;    // without the query string
    std::string_view body;
    std::optional<std::string_view> inference_header_length;  // Inference-Header-Content-Length
};

struct ServiceReply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::optional<size_t> inference_header_length;  // binary outputs follow the JSON
    const char* allow = nullptr;                    // the Allow header of a 405
};

// A request routed and parsed that needs a forward pass: the batcher runs `rows`, then
// Service::finish turns the predictions into the reply. Owns the parsed body, so it must
// live until then (the batcher points into `rows`).
struct PendingInference {
    std::chrono::steady_clock::time_point start;
    std::chrono::steady_clock::time_point deadline;
    Endpoint endpoint = Endpoint::kPredict;
    std::shared_ptr<InferenceModel> model;
    std::variant<PredictRequest, InferRequest> request;

    const FeatureRows& rows() const;
};

// What Service::begin makes of a request: the reply, or inference still to run.
using Started = std::variant<ServiceReply, PendingInference>;

struct ServiceOptions {
    std::string server_version = "0.1.0";
    std::chrono::milliseconds deadline{2000};  // per request, from routing to the answer
};

// Every endpoint of DESIGN.md "Serving HTTP", independent of the HTTP library: routing (404,
// 405), readiness, v2 metadata, /predict and v2 infer through the batcher, /metrics. Never
// throws: every failure is a JSON {"error": ...} with a 4xx or 5xx status.
class Service {
 public:
    Service(ModelSlot* slot, Batcher* batcher, ServeMetrics* metrics, ServiceOptions options);

    // begin + the batcher + finish, waiting for the forward pass: for callers without an
    // event loop (tests, tools).
    ServiceReply handle(const ServiceRequest& request);

    // Routes and parses `request`: the reply at once (metadata, health, errors, ...), or the
    // inference to hand to the batcher. Every request begun is counted in flight until its
    // reply is made (here or by finish).
    Started begin(const ServiceRequest& request);
    // The reply to a pending inference once the batcher answered it.
    ServiceReply finish(const PendingInference& pending, ApiResult<Predictions> predictions);

    // /ready and /v2/health/ready answer 503 once this is false (SIGTERM).
    void set_accepting(bool accepting) { accepting_.store(accepting); }

 private:
    Started dispatch(const Route& route, const ServiceRequest& request,
                     std::chrono::steady_clock::time_point start);
    ServiceReply answered(std::optional<Endpoint> endpoint, ServiceReply reply,
                          std::chrono::steady_clock::time_point start);
    ServiceReply readiness(bool plain) const;
    ServiceReply model_metadata(const InferenceModel& model) const;
    Started predict(const ServiceRequest& request, std::chrono::steady_clock::time_point start);
    Started infer(const Route& route, const ServiceRequest& request,
                  std::chrono::steady_clock::time_point start);
    // The served model if `route` names it (and its version, if any); else a 404 reply.
    std::shared_ptr<InferenceModel> resolve(const Route& route, ServiceReply& reply) const;

    ModelSlot* slot_;
    Batcher* batcher_;
    ServeMetrics* metrics_;
    ServiceOptions options_;
    std::atomic<bool> accepting_{true};
};

ServiceReply error_reply(int status, const std::string& message);

}  // namespace slipway::serve
