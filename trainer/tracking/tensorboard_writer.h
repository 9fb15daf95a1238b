#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "metrics/training_observer.h"
#include "tracking/scalar_series.h"

namespace slipway::tracking {

// Writes TensorBoard event files (tracking.tensorboard_dir): one file per run named
// events.out.tfevents.<unix seconds>.<host>, its first event the file version, then one event
// per record with simple_value scalars named as scalar_series.h says. Each event is flushed
// as written. A write that fails
// logs one warning and ends the file; training goes on.
class TensorBoardWriter : public TrainingObserver {
 public:
    // Creates the folder when missing and the file; an Error (exit 2) naming it otherwise.
    static Result<std::unique_ptr<TensorBoardWriter>> open(const std::string& dir,
                                                           const std::string& host);
    ~TensorBoardWriter() override;
    TensorBoardWriter(const TensorBoardWriter&) = delete;
    TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

    const std::string& path() const { return path_; }

    void on_train(const TrainRecord& record) override;
    void on_eval(const EvalRecord& record) override;
    void on_checkpoint(const CheckpointRecord&) override {}
    void on_end(const nlohmann::json& summary, RunOutcome outcome) override;

 private:
    TensorBoardWriter(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
    void write_scalars(int64_t step, const Scalars& values);
    void write_event(const std::string& event);

    std::FILE* file_;
    std::string path_;
};

}  // namespace slipway::tracking
