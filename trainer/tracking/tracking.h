#pragma once

#include <memory>
#include <string>
#include <vector>

#include "comm/rank_discovery.h"
#include "common/status.h"
#include "metrics/training_observer.h"
#include "spec/job_spec.h"

namespace slipway::tracking {

// The trackers a run's spec and environment turn on (docs/tracking.md), rank 0 only:
//   TensorBoard  tracking.tensorboard_dir set
//   MLflow       MLFLOW_TRACKING_URI an http(s) URI (MLFLOW_TRACKING_TOKEN, or
//                MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, authenticate)
//   Pushgateway  SLIPWAY_PUSHGATEWAY_URL, else tracking.pushgateway_url
// An event folder that cannot be created is an Error (exit 2): found before training, like a
// bad --metrics-file. A tracking URI that is not http(s) is a warning and that tracker stays
// off: tracking never stops a run.
struct TrackingContext {
    std::string host;  // rank 0's host name: the Pushgateway instance, a tag, the event file
    int world_size = 1;
};

Result<std::vector<std::unique_ptr<TrainingObserver>>> start_trackers(
    const JobSpec& spec, const EnvLookup& env, const TrackingContext& context);

// gethostname(), or "localhost" when it fails.
std::string host_name();

}  // namespace slipway::tracking
