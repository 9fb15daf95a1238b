#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "metrics/training_observer.h"

namespace slipway {

// The --metrics-file: one JSON object per line (train steps at the log cadence, each
// evaluation, the summary). Each line is flushed as it is written, so a crash loses nothing
// that was logged. A MetricsLog without a path swallows records (ranks other than 0).
class MetricsLog : public TrainingObserver {
public:
    MetricsLog() = default;
    ~MetricsLog() override;
    MetricsLog(const MetricsLog&) = delete;
    MetricsLog& operator=(const MetricsLog&) = delete;

    // Creates the file, truncating it or, with `append`, adding to it (a resumed run
    // continues the log of the run it resumes); an Error (exit 2) naming the path when it
    // cannot.
    static Result<MetricsLog*> open(const std::string& path, MetricsLog& into,
                                    bool append = false);

    void write(const nlohmann::json& record);
    bool enabled() const { return file_ != nullptr; }

    // The records as JSON lines: "train", "eval", "checkpoint" and, at the end, the summary.
    void on_train(const TrainRecord& record) override;
    void on_eval(const EvalRecord& record) override;
    void on_checkpoint(const CheckpointRecord& record) override;
    void on_end(const nlohmann::json& summary, RunOutcome outcome) override;

private:
    std::FILE* file_ = nullptr;
    std::string path_;
};

// Writes `value` to `path` (pretty JSON) through "<path>.tmp" and a rename, so a reader never
// sees half a summary.
Status write_json_file(const std::string& path, const nlohmann::json& value);

}  // namespace slipway
