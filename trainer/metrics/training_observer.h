#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace slipway {

// What the training loop reports, as it happens (rank 0). The metrics log writes each as a
// JSON line; the trackers (trainer/tracking) send them to TensorBoard, MLflow and a
// Prometheus Pushgateway. Values that do not apply are NaN (accuracy of a regression).

// Progress at the log cadence: means over the steps since the previous record.
struct TrainRecord {
    int64_t epoch = 0;  // 1-based epoch being trained
    int64_t step = 0;   // optimizer steps done
    double loss = NAN;
    double accuracy = NAN;  // classification only
    double lr = NAN;
    double grad_norm = NAN;
    double samples_per_sec = NAN;
    double train_seconds = 0;  // time inside optimizer steps so far (this process)
};

// The test-set evaluation at an epoch's end.
struct EvalRecord {
    int64_t epoch = 0;  // epochs done
    int64_t step = 0;
    double train_loss = NAN;  // mean over the epoch
    double test_loss = NAN;
    double test_accuracy = NAN;
};

struct CheckpointRecord {
    std::string reason;  // periodic | final | preemption
    int64_t step = 0;
    std::string path;
};

// How the run ended, for trackers that record a final state.
enum class RunOutcome { kFinished, kStopped, kFailed };

class TrainingObserver {
 public:
    virtual ~TrainingObserver() = default;
    virtual void on_train(const TrainRecord& record) = 0;
    virtual void on_eval(const EvalRecord& record) = 0;
    virtual void on_checkpoint(const CheckpointRecord& record) = 0;
    // Once, at the end: the summary (slipway-train.md "Output"; "export" names the model
    // version when the run exported one) and the outcome. An observer destroyed without
    // seeing it treats the run as failed (an exception unwound past it).
    virtual void on_end(const nlohmann::json& summary, RunOutcome outcome) = 0;
};

}  // namespace slipway
