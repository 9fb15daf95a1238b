#include "metrics/observer_list.h"

namespace slipway {

void ObserverList::on_train(const TrainRecord& record) {
    for (TrainingObserver* observer : observers_) observer->on_train(record);
}

void ObserverList::on_eval(const EvalRecord& record) {
    for (TrainingObserver* observer : observers_) observer->on_eval(record);
}

void ObserverList::on_checkpoint(const CheckpointRecord& record) {
    for (TrainingObserver* observer : observers_) observer->on_checkpoint(record);
}

void ObserverList::on_end(const nlohmann::json& summary, RunOutcome outcome) {
    for (TrainingObserver* observer : observers_) observer->on_end(summary, outcome);
}

}  // namespace slipway
