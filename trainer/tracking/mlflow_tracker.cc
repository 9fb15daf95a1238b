#include "tracking/mlflow_tracker.h"

#include <spdlog/spdlog.h>

#include "tracking/scalar_series.h"

namespace slipway::tracking {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kQueueCapacity = 64;
constexpr size_t kBatchMetrics = 900;  // flush early when this many wait

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const char* status_of(RunOutcome outcome) {
    switch (outcome) {
        case RunOutcome::kFinished:
            return "FINISHED";
        case RunOutcome::kStopped:
            return "KILLED";
        case RunOutcome::kFailed:
            return "FAILED";
    }
    return "FAILED";
}

// Summary figures worth a metric at the last step: name in the summary -> MLflow key.
constexpr std::pair<const char*, const char*> kSummaryMetrics[] = {
    {"train_samples_per_sec", "summary/train_samples_per_sec"},
    {"train_seconds", "summary/train_seconds"},
    {"wall_seconds", "summary/wall_seconds"},
    {"peak_rss_mb", "summary/peak_rss_mb"},
    {"final_train_loss", "summary/final_train_loss"},
    {"test_loss", "summary/test_loss"},
    {"test_accuracy", "summary/test_accuracy"},
};

}  // namespace

MlflowTracker::MlflowTracker(HttpEndpoint endpoint, HttpOptions options, MlflowRunSetup setup,
                             std::chrono::milliseconds close_timeout)
    : setup_(std::move(setup)),
      last_flush_(Clock::now()),
      close_timeout_(close_timeout),
      http_(std::move(endpoint), std::move(options)),
      client_(http_),
      sender_(std::make_unique<BackgroundSender>("mlflow", kQueueCapacity)) {
    sender_->post([this, setup = setup_, start = now_ms()](const auto& cancelled) {
        auto experiment = client_.get_or_create_experiment(setup.experiment, cancelled);
        if (!experiment.ok()) {
            warn_once("cannot reach the tracking server: " + experiment.error().message());
            return;
        }
        KeyValues tags = setup.tags;
        tags.emplace_back("mlflow.runName", setup.run_name);
        auto run = client_.create_run(*experiment, setup.run_name, start, tags, cancelled);
        if (!run.ok()) {
            warn_once("cannot create the run: " + run.error().message());
            return;
        }
        run_id_ = *run;
        Status logged = client_.log_batch(run_id_, {}, setup.params, {}, cancelled);
        if (!logged.ok()) warn_once("logging the params failed: " + logged.error().message());
        spdlog::info("mlflow: run {} in experiment '{}' (id {}) at {}", run_id_, setup.experiment,
                     *experiment, http_.endpoint().url(""));
    });
}

MlflowTracker::~MlflowTracker() {
    if (!ended_) finish("FAILED");
}

void MlflowTracker::warn_once(const std::string& message) {
    if (warned_.exchange(true)) return;
    spdlog::warn("mlflow: {}; training continues without MLflow tracking", message);
}

void MlflowTracker::add(const std::vector<std::pair<std::string, double>>& scalars, int64_t step) {
    const int64_t timestamp = now_ms();
    for (const auto& [key, value] : scalars) pending_.push_back({key, value, timestamp, step});
}

void MlflowTracker::flush(KeyValues tags, bool last) {
    last_flush_ = Clock::now();
    if (pending_.empty() && tags.empty()) return;
    const bool posted = sender_->post(
        [this, metrics = std::move(pending_), tags = std::move(tags)](const auto& cancelled) {
            if (run_id_.empty()) return;  // no run: the warning is out already
            Status logged = client_.log_batch(run_id_, metrics, {}, tags, cancelled);
            if (!logged.ok()) warn_once("log-batch failed: " + logged.error().message());
        },
        last);
    pending_.clear();
    if (!posted) warn_once("the server falls behind (send queue full): metrics dropped");
}

void MlflowTracker::on_train(const TrainRecord& record) {
    add(train_scalars(record), record.step);
    if (pending_.size() >= kBatchMetrics || Clock::now() - last_flush_ >= setup_.flush_interval) {
        flush();
    }
}

void MlflowTracker::on_eval(const EvalRecord& record) {
    add(eval_scalars(record), record.step);
    flush();
}

void MlflowTracker::on_end(const nlohmann::json& summary, RunOutcome outcome) {
    const int64_t step = summary.value("steps", int64_t{0});
    std::vector<std::pair<std::string, double>> figures;
    for (const auto& [name, key] : kSummaryMetrics) {
        if (summary.contains(name) && summary[name].is_number()) {
            figures.emplace_back(key, summary[name].get<double>());
        }
    }
    add(figures, step);
    KeyValues tags;
    if (summary.contains("export") && summary["export"].is_object()) {
        const nlohmann::json& exported = summary["export"];
        tags.emplace_back("slipway.model.name", exported.value("name", ""));
        tags.emplace_back("slipway.model.version",
                          std::to_string(exported.value("version", int64_t{0})));
        tags.emplace_back("slipway.model.path", exported.value("model", ""));
    }
    tags.emplace_back("slipway.resumed_from_step",
                      std::to_string(summary.value("resumed_from_step", int64_t{0})));
    flush(std::move(tags), /*last=*/true);
    finish(status_of(outcome));
}

void MlflowTracker::finish(const std::string& status) {
    ended_ = true;
    sender_->post(
        [this, status, end = now_ms()](const auto& cancelled) {
            if (run_id_.empty()) return;
            Status updated = client_.end_run(run_id_, status, end, cancelled);
            if (!updated.ok()) {
                warn_once("ending the run failed: " + updated.error().message());
            } else {
                spdlog::info("mlflow: run {} ended {}", run_id_, status);
            }
        },
        /*even_when_full=*/true);
    if (!sender_->close(close_timeout_)) {
        warn_once("the server did not take everything within " +
                  std::to_string(close_timeout_.count()) + " ms; the rest is dropped");
    }
}

}  // namespace slipway::tracking
