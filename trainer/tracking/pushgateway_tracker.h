#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/training_observer.h"
#include "tracking/background_sender.h"
#include "tracking/http_client.h"
#include "tracking/text_exposition.h"

namespace slipway::tracking {

// Where a job's metrics go on a Pushgateway: <url>/metrics/job/<job>/instance/<instance>.
struct PushTarget {
    HttpEndpoint endpoint;
    std::string job;
    std::string instance;  // rank 0's host
    int world_size = 1;
    std::chrono::milliseconds push_interval{15000};
};

// Training progress as slipway_train_* metrics (docs/tracking.md lists them), PUT to a
// Prometheus Pushgateway: at the log cadence when push_interval has passed since the last
// push, and always at the end (slipway_train_job_done 1). A PUT replaces the group, so the
// gateway holds the latest state of the job. Pushes run on a background sender; a gateway
// that is down costs one warning, and training goes on.
class PushgatewayTracker : public TrainingObserver {
 public:
    PushgatewayTracker(PushTarget target, HttpOptions options,
                       std::chrono::milliseconds close_timeout = std::chrono::milliseconds(5000));
    ~PushgatewayTracker() override;  // without on_end: pushes job_failed 1
    PushgatewayTracker(const PushgatewayTracker&) = delete;
    PushgatewayTracker& operator=(const PushgatewayTracker&) = delete;

    void on_train(const TrainRecord& record) override;
    void on_eval(const EvalRecord& record) override;
    void on_checkpoint(const CheckpointRecord& record) override;
    void on_end(const nlohmann::json& summary, RunOutcome outcome) override;

    // The exposition text of the current state (what the next push sends).
    std::string exposition() const;

 private:
    struct State {
        double step = 0, epoch = 0, loss = NAN, accuracy = NAN, lr = NAN;
        double samples_per_sec = NAN, train_seconds = 0, test_loss = NAN, test_accuracy = NAN;
        double checkpoints = 0, last_checkpoint_time = 0, done = 0, failed = 0;
    };

    void maybe_push();
    void push();
    void finish(bool failed);
    void warn_once(const std::string& message);

    PushTarget target_;
    std::string path_;  // /metrics/job/<job>/instance/<instance>
    State state_;
    std::chrono::steady_clock::time_point last_push_;
    bool pushed_ = false;
    std::chrono::milliseconds close_timeout_;
    bool ended_ = false;

    std::mutex latest_mutex_;
    std::string latest_;  // the newest exposition, sent by whichever push job runs next

    HttpClient http_;  // the sender's thread only
    std::atomic<bool> warned_{false};
    std::unique_ptr<BackgroundSender> sender_;  // last: stopped before the rest goes
};

}  // namespace slipway::tracking
