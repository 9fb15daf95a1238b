#include "tracking/tracking.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <climits>

#include "export/recipe_hash.h"
#include "tracking/flat_params.h"
#include "tracking/mlflow_tracker.h"
#include "tracking/pushgateway_tracker.h"
#include "tracking/tensorboard_writer.h"

namespace slipway::tracking {
namespace {

std::string env_or_empty(const EnvLookup& env, const std::string& name) {
    return env(name).value_or("");
}

std::unique_ptr<TrainingObserver> start_mlflow(const JobSpec& spec, const EnvLookup& env,
                                               const TrackingContext& context,
                                               const std::string& uri) {
    auto endpoint = parse_http_endpoint(uri, "MLFLOW_TRACKING_URI");
    if (!endpoint.ok()) {
        spdlog::warn("mlflow: {}; training continues without MLflow tracking",
                     endpoint.error().message());
        return nullptr;
    }
    HttpOptions options;
    options.bearer_token = env_or_empty(env, "MLFLOW_TRACKING_TOKEN");
    options.basic_user = env_or_empty(env, "MLFLOW_TRACKING_USERNAME");
    options.basic_password = env_or_empty(env, "MLFLOW_TRACKING_PASSWORD");

    MlflowRunSetup setup;
    setup.experiment =
        spec.tracking.mlflow_experiment.empty() ? spec.name : spec.tracking.mlflow_experiment;
    setup.run_name = spec.name;
    setup.tags = {{"slipway.job", spec.name},
                  {"slipway.recipe_hash", recipe_hash(spec)},
                  {"slipway.world_size", std::to_string(context.world_size)},
                  {"slipway.host", context.host},
                  {"mlflow.source.name", "slipway-train"},
                  {"mlflow.source.type", "JOB"}};
    if (!spec.source_path.empty()) setup.tags.emplace_back("slipway.spec", spec.source_path);
    if (const std::string user = env_or_empty(env, "USER"); !user.empty()) {
        setup.tags.emplace_back("mlflow.user", user);
    }
    setup.params = flat_params(recipe_json(spec));
    return std::make_unique<MlflowTracker>(std::move(*endpoint), options, std::move(setup));
}

std::unique_ptr<TrainingObserver> start_pushgateway(const JobSpec& spec,
                                                    const TrackingContext& context,
                                                    const std::string& url,
                                                    const std::string& source) {
    auto endpoint = parse_http_endpoint(url, source);
    if (!endpoint.ok()) {
        spdlog::warn("pushgateway: {}; training continues without pushing metrics",
                     endpoint.error().message());
        return nullptr;
    }
    PushTarget target;
    target.endpoint = std::move(*endpoint);
    target.job = spec.name;
    target.instance = context.host;
    target.world_size = context.world_size;
    target.push_interval =
        std::chrono::milliseconds(static_cast<int64_t>(spec.tracking.push_interval * 1000.0));
    return std::make_unique<PushgatewayTracker>(std::move(target), HttpOptions{});
}

}  // namespace

std::string host_name() {
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

Result<std::vector<std::unique_ptr<TrainingObserver>>> start_trackers(
    const JobSpec& spec, const EnvLookup& env, const TrackingContext& context) {
    std::vector<std::unique_ptr<TrainingObserver>> trackers;
    if (!spec.tracking.tensorboard_dir.empty()) {
        auto writer = TensorBoardWriter::open(spec.tracking.tensorboard_dir, context.host);
        SLIPWAY_RETURN_IF_ERROR(writer);
        trackers.push_back(std::move(*writer));
    }
    if (const std::string uri = env_or_empty(env, "MLFLOW_TRACKING_URI"); !uri.empty()) {
        if (auto mlflow = start_mlflow(spec, env, context, uri)) {
            trackers.push_back(std::move(mlflow));
        }
    }
    std::string url = env_or_empty(env, "SLIPWAY_PUSHGATEWAY_URL");
    std::string source = "SLIPWAY_PUSHGATEWAY_URL";
    if (url.empty()) {
        url = spec.tracking.pushgateway_url;
        source = "tracking.pushgateway_url";
    }
    if (!url.empty()) {
        if (auto gateway = start_pushgateway(spec, context, url, source)) {
            trackers.push_back(std::move(gateway));
        }
    }
    return trackers;
}

}  // namespace slipway::tracking
