#pragma once

#include <vector>

#include "metrics/training_observer.h"

namespace slipway {

// Hands every record to each observer in the order they were added (the metrics log first,
// so the JSON line is on disk before any tracker sees the record). Owns none of them.
class ObserverList : public TrainingObserver {
 public:
    void add(TrainingObserver& observer) { observers_.push_back(&observer); }

    void on_train(const TrainRecord& record) override;
    void on_eval(const EvalRecord& record) override;
    void on_checkpoint(const CheckpointRecord& record) override;
    void on_end(const nlohmann::json& summary, RunOutcome outcome) override;

 private:
    std::vector<TrainingObserver*> observers_;
};

}  // namespace slipway
