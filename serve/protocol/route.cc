#include "serve/protocol/route.h"

#include <charconv>
#include <vector>

namespace slipway::serve {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t slash = path.find('/', start);
        const size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > start) parts.push_back(path.substr(start, end - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return parts;
}

ApiError not_found(std::string_view path) {
    return {404, "no endpoint at " + std::string(path) +
                     "; see GET /v2, POST /predict, GET /health, /ready, /metrics"};
}

// /v2/models/<name>[/versions/<v>][/ready|/infer], parts[0..1] being "v2", "models".
ApiResult<Route> match_model_route(const std::vector<std::string_view>& parts,
                                   std::string_view path) {
    if (parts.size() < 3) return not_found(path);
    Route route;
    route.model = std::string(parts[2]);
    size_t next = 3;
    if (parts.size() > next && parts[next] == "versions") {
        if (parts.size() == next + 1) return not_found(path);
        const std::string_view text = parts[next + 1];
        int64_t version = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
        if (error != std::errc() || end != text.data() + text.size() || version < 1) {
            return bad_request("model version \"" + std::string(text) +
                               "\" is not a positive integer");
        }
        route.version = version;
        next += 2;
    }
    if (parts.size() == next) {
        route.endpoint = Endpoint::kModelMetadata;
    } else if (parts.size() == next + 1 && parts[next] == "ready") {
        route.endpoint = Endpoint::kModelReady;
    } else if (parts.size() == next + 1 && parts[next] == "infer") {
        route.endpoint = Endpoint::kModelInfer;
    } else {
        return not_found(path);
    }
    return route;
}

}  // namespace

ApiResult<Route> match_route(std::string_view path) {
    const std::vector<std::string_view> parts = split_path(path);
    auto plain = [](Endpoint endpoint) { return ApiResult<Route>(Route{endpoint, {}, {}}); };
    if (parts.size() == 1) {
        if (parts[0] == "predict") return plain(Endpoint::kPredict);
        if (parts[0] == "health") return plain(Endpoint::kHealth);
        if (parts[0] == "ready") return plain(Endpoint::kReady);
        if (parts[0] == "metrics") return plain(Endpoint::kMetrics);
        if (parts[0] == "v2") return plain(Endpoint::kServerMetadata);
        return not_found(path);
    }
    if (parts.empty() || parts[0] != "v2") return not_found(path);
    if (parts.size() == 3 && parts[1] == "health") {
        if (parts[2] == "live") return plain(Endpoint::kServerLive);
        if (parts[2] == "ready") return plain(Endpoint::kServerReady);
        return not_found(path);
    }
    if (parts[1] == "models") return match_model_route(parts, path);
    return not_found(path);
}

const char* endpoint_method(Endpoint endpoint) {
    return endpoint == Endpoint::kModelInfer || endpoint == Endpoint::kPredict ? "POST" : "GET";
}

const char* endpoint_label(Endpoint endpoint) {
    switch (endpoint) {
        case Endpoint::kServerMetadata:
            return "v2_server_metadata";
        case Endpoint::kServerLive:
            return "v2_live";
        case Endpoint::kServerReady:
            return "v2_ready";
        case Endpoint::kModelMetadata:
            return "v2_model_metadata";
        case Endpoint::kModelReady:
            return "v2_model_ready";
        case Endpoint::kModelInfer:
            return "v2_infer";
        case Endpoint::kPredict:
            return "predict";
        case Endpoint::kHealth:
            return "health";
        case Endpoint::kReady:
            return "ready";
        case Endpoint::kMetrics:
            return "metrics";
    }
    return "other";
}

}  // namespace slipway::serve
