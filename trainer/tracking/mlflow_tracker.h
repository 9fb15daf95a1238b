#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "metrics/training_observer.h"
#include "tracking/background_sender.h"
#include "tracking/http_client.h"
#include "tracking/mlflow_client.h"

namespace slipway::tracking {

// What the run is called and carries in MLflow.
struct MlflowRunSetup {
    std::string experiment;                           // created when missing
    std::string run_name;                             // also the mlflow.runName tag
    KeyValues tags;                                   // slipway.job, slipway.recipe_hash, ...
    KeyValues params;                                 // the recipe, flattened
    std::chrono::milliseconds flush_interval{10000};  // least time between metric batches
};

// Sends one training run to an MLflow tracking server (docs/tracking.md). Every request runs
// on a background sender, never on the training thread: the constructor queues "get or create
// the experiment, create the run, log the params"; metrics gather in memory and go out with
// log-batch every flush_interval (and at each evaluation and the end); on_end logs the summary
// figures and the exported model version as tags, then ends the run FINISHED (KILLED after
// SIGTERM, FAILED otherwise) and waits at most `close_timeout` for the queue to drain. A server
// that is down or answers errors costs one warning; training goes on.
class MlflowTracker : public TrainingObserver {
 public:
    MlflowTracker(HttpEndpoint endpoint, HttpOptions options, MlflowRunSetup setup,
                  std::chrono::milliseconds close_timeout = std::chrono::milliseconds(10000));
    ~MlflowTracker() override;  // without on_end: the run ends FAILED
    MlflowTracker(const MlflowTracker&) = delete;
    MlflowTracker& operator=(const MlflowTracker&) = delete;

    void on_train(const TrainRecord& record) override;
    void on_eval(const EvalRecord& record) override;
    void on_checkpoint(const CheckpointRecord&) override {}
    void on_end(const nlohmann::json& summary, RunOutcome outcome) override;

 private:
    void add(const std::vector<std::pair<std::string, double>>& scalars, int64_t step);
    // Posts the pending metrics (and `tags`); the `last` batch gets past a full queue.
    void flush(KeyValues tags = {}, bool last = false);
    void finish(const std::string& status);
    void warn_once(const std::string& message);

    // Used by the training thread only.
    MlflowRunSetup setup_;
    std::vector<MlflowMetric> pending_;
    std::chrono::steady_clock::time_point last_flush_;
    std::chrono::milliseconds close_timeout_;
    bool ended_ = false;

    // Used by the sender's thread only (every job runs there, in order).
    HttpClient http_;
    MlflowClient client_;
    std::string run_id_;  // "" until the run exists, and for good when creating it failed

    std::atomic<bool> warned_{false};
    std::unique_ptr<BackgroundSender> sender_;  // last: stopped before the rest goes
};

}  // namespace slipway::tracking
