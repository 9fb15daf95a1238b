#include "tracking/pushgateway_tracker.h"

#include <spdlog/spdlog.h>

namespace slipway::tracking {
namespace {

using Clock = std::chrono::steady_clock;

// One push running and one waiting: the waiting one sends whatever state is newest.
constexpr size_t kQueueCapacity = 1;

double unix_seconds() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

PushgatewayTracker::PushgatewayTracker(PushTarget target, HttpOptions options,
                                       std::chrono::milliseconds close_timeout)
    : target_(std::move(target)),
      path_("/metrics/job/" + percent_encode(target_.job) + "/instance/" +
            percent_encode(target_.instance)),
      close_timeout_(close_timeout),
      http_(target_.endpoint, std::move(options)),
      sender_(std::make_unique<BackgroundSender>("pushgateway", kQueueCapacity)) {
    spdlog::info("pushgateway: pushing slipway_train_* to {} every {:.0f} s at most",
                 target_.endpoint.url(path_), target_.push_interval.count() / 1000.0);
}

PushgatewayTracker::~PushgatewayTracker() {
    if (!ended_) finish(true);
}

std::string PushgatewayTracker::exposition() const {
    const State& s = state_;
    return text_exposition({
        {"slipway_train_steps_total", "counter", "Optimizer steps completed.", s.step},
        {"slipway_train_epoch", "gauge", "Epoch being trained (1-based); epochs done at the end.",
         s.epoch},
        {"slipway_train_loss", "gauge", "Mean training loss since the previous log line.", s.loss},
        {"slipway_train_accuracy", "gauge",
         "Training accuracy since the previous log line (classification).", s.accuracy},
        {"slipway_train_learning_rate", "gauge", "Learning rate of the last step.", s.lr},
        {"slipway_train_samples_per_second", "gauge",
         "Training throughput over all ranks since the previous log line.", s.samples_per_sec},
        {"slipway_train_step_seconds_total", "counter",
         "Seconds spent in optimizer steps by this run (evaluation excluded).", s.train_seconds},
        {"slipway_train_test_loss", "gauge", "Test loss of the last evaluation.", s.test_loss},
        {"slipway_train_test_accuracy", "gauge", "Test accuracy of the last evaluation.",
         s.test_accuracy},
        {"slipway_train_checkpoints_total", "counter", "Checkpoints written by this run.",
         s.checkpoints},
        {"slipway_train_last_checkpoint_timestamp_seconds", "gauge",
         "Unix time of the last checkpoint written (0: none yet).", s.last_checkpoint_time},
        {"slipway_train_world_size", "gauge", "Ranks in the job.",
         static_cast<double>(target_.world_size)},
        {"slipway_train_job_done", "gauge", "1 once the run has ended (any outcome).", s.done},
        {"slipway_train_job_failed", "gauge", "1 when the run ended in failure.", s.failed},
    });
}

void PushgatewayTracker::warn_once(const std::string& message) {
    if (warned_.exchange(true)) return;
    spdlog::warn("pushgateway: {}; training continues without pushing metrics", message);
}

void PushgatewayTracker::push() {
    last_push_ = Clock::now();
    pushed_ = true;
    {
        std::lock_guard<std::mutex> lock(latest_mutex_);
        latest_ = exposition();
    }
    // The job sends the newest state when it runs, so when the queue is full (a push is still
    // waiting) dropping this one loses nothing.
    sender_->post([this](const auto& cancelled) {
        std::string body;
        {
            std::lock_guard<std::mutex> lock(latest_mutex_);
            body = latest_;
        }
        auto response = http_.send("PUT", path_, body, kTextExpositionType, cancelled);
        if (!response.ok()) {
            warn_once(response.error().message());
        } else if (response->status < 200 || response->status >= 300) {
            warn_once("PUT " + http_.endpoint().url(path_) + ": HTTP " +
                      std::to_string(response->status) + ": " + response->body.substr(0, 200));
        }
    });
}

void PushgatewayTracker::maybe_push() {
    if (!pushed_ || Clock::now() - last_push_ >= target_.push_interval) push();
}

void PushgatewayTracker::on_train(const TrainRecord& record) {
    state_.step = static_cast<double>(record.step);
    state_.epoch = static_cast<double>(record.epoch);
    state_.loss = record.loss;
    state_.accuracy = record.accuracy;
    state_.lr = record.lr;
    state_.samples_per_sec = record.samples_per_sec;
    state_.train_seconds = record.train_seconds;
    maybe_push();
}

void PushgatewayTracker::on_eval(const EvalRecord& record) {
    state_.test_loss = record.test_loss;
    state_.test_accuracy = record.test_accuracy;
}

void PushgatewayTracker::on_checkpoint(const CheckpointRecord&) {
    state_.checkpoints += 1;
    state_.last_checkpoint_time = unix_seconds();
}

void PushgatewayTracker::on_end(const nlohmann::json& summary, RunOutcome outcome) {
    if (summary.contains("epochs") && summary["epochs"].is_number()) {
        state_.epoch = summary["epochs"].get<double>();
    }
    if (summary.contains("steps") && summary["steps"].is_number()) {
        state_.step = summary["steps"].get<double>();
    }
    finish(outcome == RunOutcome::kFailed);
}

void PushgatewayTracker::finish(bool failed) {
    ended_ = true;
    state_.done = 1;
    state_.failed = failed ? 1 : 0;
    push();
    if (!sender_->close(close_timeout_)) {
        warn_once("the last push did not finish within " + std::to_string(close_timeout_.count()) +
                  " ms");
    }
}

}  // namespace slipway::tracking
