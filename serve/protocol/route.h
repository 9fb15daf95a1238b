#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "serve/protocol/api_error.h"

namespace slipway::serve {

enum class Endpoint {
    kServerMetadata,  // GET /v2
    kServerLive,      // GET /v2/health/live
    kServerReady,     // GET /v2/health/ready
    kModelMetadata,   // GET /v2/models/<name>[/versions/<v>]
    kModelReady,      // GET /v2/models/<name>[/versions/<v>]/ready
    kModelInfer,      // POST /v2/models/<name>[/versions/<v>]/infer
    kPredict,         // POST /predict
    kHealth,          // GET /health
    kReady,           // GET /ready
    kMetrics,         // GET /metrics
};

struct Route {
    Endpoint endpoint = Endpoint::kHealth;
    std::string model;               // v2 model paths
    std::optional<int64_t> version;  // .../versions/<v>
};

// The route of a path (no query string): 404 for a path no endpoint has, 400 for a version
// that is not a positive integer.
ApiResult<Route> match_route(std::string_view path);

// "GET" or "POST": the one method an endpoint answers (HEAD counts as GET).
const char* endpoint_method(Endpoint endpoint);

// The `endpoint` label of the request metrics: "v2_infer", "predict", ...
const char* endpoint_label(Endpoint endpoint);

}  // namespace slipway::serve
