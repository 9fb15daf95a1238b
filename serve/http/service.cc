#include "serve/http/service.h"

#include <exception>
#include <nlohmann/json.hpp>

#include "serve/protocol/infer_request.h"
#include "serve/protocol/infer_response.h"
#include "serve/protocol/json_error.h"
#include "serve/protocol/predict_request.h"
#include "serve/protocol/predict_response.h"

namespace slipway::serve {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

ServiceReply json_reply(const json& body, int status = 200) {
    ServiceReply reply;
    reply.status = status;
    reply.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return reply;
}

ServiceReply from_error(const ApiError& error) { return error_reply(error.status, error.message); }

json tensor_metadata(const std::string& name, size_t width) {
    return {{"name", name}, {"datatype", "FP32"}, {"shape", {-1, static_cast<int64_t>(width)}}};
}

}  // namespace

ServiceReply error_reply(int status, const std::string& message) {
    ServiceReply reply;
    reply.status = status;
    reply.body = error_body(message);
    return reply;
}

Service::Service(ModelSlot* slot, Batcher* batcher, ServeMetrics* metrics, ServiceOptions options)
    : slot_(slot), batcher_(batcher), metrics_(metrics), options_(std::move(options)) {}

const FeatureRows& PendingInference::rows() const {
    if (const auto* predict = std::get_if<PredictRequest>(&request)) return predict->rows;
    return std::get<InferRequest>(request).rows;
}

ServiceReply Service::handle(const ServiceRequest& request) {
    Started started = begin(request);
    if (auto* reply = std::get_if<ServiceReply>(&started)) return std::move(*reply);
    const PendingInference& pending = std::get<PendingInference>(started);
    return finish(pending, batcher_->run(pending.model, pending.rows(), pending.deadline));
}

Started Service::begin(const ServiceRequest& request) {
    const Clock::time_point start = Clock::now();
    metrics_->add_in_flight(1);
    std::optional<Endpoint> endpoint;
    try {
        ApiResult<Route> route = match_route(request.path);
        if (!route) return answered(endpoint, from_error(route.error()), start);
        endpoint = route->endpoint;
        const std::string_view method = request.method == "HEAD" ? "GET" : request.method;
        const char* allowed = endpoint_method(route->endpoint);
        if (method != allowed) {
            ServiceReply reply =
                error_reply(405, "method " + std::string(request.method) + " not allowed on " +
                                     std::string(request.path) + "; use " + allowed);
            reply.allow = allowed;
            return answered(endpoint, std::move(reply), start);
        }
        Started started = dispatch(route.value(), request, start);
        if (auto* reply = std::get_if<ServiceReply>(&started)) {
            return answered(endpoint, std::move(*reply), start);
        }
        return started;
    } catch (const std::exception& error) {  // a bug or bad_alloc: answered, never a crash
        return answered(endpoint, error_reply(500, std::string("internal error: ") + error.what()),
                        start);
    }
}

ServiceReply Service::finish(const PendingInference& pending,
                             ApiResult<Predictions> predictions) {
    ServiceReply reply;
    try {
        if (!predictions) {
            reply = from_error(predictions.error());
        } else if (const auto* predict = std::get_if<PredictRequest>(&pending.request)) {
            reply.body = predict_response_body(predictions.value(),
                                               pending.model->info().class_names, predict->single);
        } else {
            InferResponse response =
                infer_response_body(std::get<InferRequest>(pending.request), predictions.value(),
                                    pending.model->info().signature);
            reply.body = std::move(response.body);
            reply.inference_header_length = response.header_length;
            if (response.header_length) reply.content_type = "application/octet-stream";
        }
    } catch (const std::exception& error) {
        reply = error_reply(500, std::string("internal error: ") + error.what());
    }
    return answered(pending.endpoint, std::move(reply), pending.start);
}

ServiceReply Service::answered(std::optional<Endpoint> endpoint, ServiceReply reply,
                               Clock::time_point start) {
    metrics_->add_in_flight(-1);
    metrics_->record_request(endpoint, reply.status,
                             std::chrono::duration<double>(Clock::now() - start).count());
    return reply;
}

Started Service::dispatch(const Route& route, const ServiceRequest& request,
                          Clock::time_point start) {
    switch (route.endpoint) {
        case Endpoint::kServerMetadata:
            return json_reply({{"name", "slipway-serve"},
                               {"version", options_.server_version},
                               {"extensions", {"binary_tensor_data"}}});
        case Endpoint::kServerLive:
        case Endpoint::kHealth:
            return json_reply({{"live", true}});
        case Endpoint::kServerReady:
            return readiness(false);
        case Endpoint::kReady:
            return readiness(true);
        case Endpoint::kModelMetadata:
        case Endpoint::kModelReady: {
            ServiceReply reply;
            const std::shared_ptr<InferenceModel> model = resolve(route, reply);
            if (!model) return reply;
            if (route.endpoint == Endpoint::kModelMetadata) return model_metadata(*model);
            return accepting_.load() ? json_reply({{"ready", true}})
                                     : error_reply(503, "the server is shutting down");
        }
        case Endpoint::kModelInfer:
            return infer(route, request, start);
        case Endpoint::kPredict:
            return predict(request, start);
        case Endpoint::kMetrics: {
            ServiceReply reply;
            reply.body = metrics_->render();
            reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
            return reply;
        }
    }
    return error_reply(404, "no such endpoint");
}

ServiceReply Service::readiness(bool plain) const {
    const std::shared_ptr<InferenceModel> model = slot_->current();
    if (!accepting_.load()) return error_reply(503, "the server is shutting down");
    if (!model) return error_reply(503, "no model loaded yet");
    if (!plain) return json_reply({{"ready", true}});
    return json_reply(
        {{"ready", true}, {"model", model->info().name}, {"version", model->info().version}});
}

std::shared_ptr<InferenceModel> Service::resolve(const Route& route, ServiceReply& reply) const {
    std::shared_ptr<InferenceModel> model = slot_->current();
    if (!model) {
        reply = error_reply(503, "no model loaded yet");
        return nullptr;
    }
    const ModelInfo& info = model->info();
    if (route.model != info.name) {
        reply = error_reply(
            404, "unknown model '" + route.model + "'; this server serves '" + info.name + "'");
        return nullptr;
    }
    if (route.version && *route.version != info.version) {
        reply = error_reply(404, "version " + std::to_string(*route.version) + " of '" + info.name +
                                     "' is not loaded; serving version " +
                                     std::to_string(info.version));
        return nullptr;
    }
    return model;
}

ServiceReply Service::model_metadata(const InferenceModel& model) const {
    const ModelInfo& info = model.info();
    json outputs = json::array();
    for (const std::string& name : info.signature.output_names) {
        outputs.push_back(tensor_metadata(name, info.output_width));
    }
    json body = {
        {"name", info.name},
        {"versions", {std::to_string(info.version)}},
        {"platform", "slipway_mlp"},
        {"inputs", {tensor_metadata(info.signature.input_name, info.signature.limits.features)}},
        {"outputs", outputs}};
    if (!info.class_names.empty()) body["parameters"] = {{"class_names", info.class_names}};
    return json_reply(body);
}

Started Service::predict(const ServiceRequest& request, Clock::time_point start) {
    std::shared_ptr<InferenceModel> model = slot_->current();
    if (!model) return error_reply(503, "no model loaded yet");
    ApiResult<PredictRequest> parsed =
        parse_predict_request(request.body, model->info().signature.limits);
    if (!parsed) return from_error(parsed.error());
    return PendingInference{start, start + options_.deadline, Endpoint::kPredict,
                            std::move(model), std::move(parsed).value()};
}

Started Service::infer(const Route& route, const ServiceRequest& request,
                       Clock::time_point start) {
    ServiceReply reply;
    std::shared_ptr<InferenceModel> model = resolve(route, reply);
    if (!model) return reply;
    ApiResult<InferRequest> parsed = parse_infer_request(
        request.body, request.inference_header_length, model->info().signature);
    if (!parsed) return from_error(parsed.error());
    return PendingInference{start, start + options_.deadline, Endpoint::kModelInfer,
                            std::move(model), std::move(parsed).value()};
}

}  // namespace slipway::serve
