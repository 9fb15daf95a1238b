#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "export/exported_model.h"
#include "model/model.h"
#include "serve/model/inference_model.h"
#include "serve/model/pass_plan.h"

namespace slipway::serve {

// An exported MLP served with the trainer's own forward pass (slipway::Model from
// make_cpu_model, the code that trained it): inputs standardised as the graph does
// ((x - mean) / divisor), Model::predict for the logits, softmax for the probabilities.
// Model instances keep workspace between calls and are not thread-safe, so each concurrent
// infer() borrows one from a pool that grows to the number of threads that ever overlap.
// Batches run in the pieces a PassPlan, timed when the version loads, says cost least.
class MlpInferenceModel final : public InferenceModel {
 public:
    MlpInferenceModel(ExportedModel exported, ModelInfo info);

    const ModelInfo& info() const override { return info_; }
    Predictions infer(const float* features, size_t rows) override;

    const PassPlan& pass_plan() const { return plan_; }

    // The largest batch the plan is worked out for; bigger ones are cut to this size first.
    // Model::predict works in chunks of 512 rows itself, so larger passes gain nothing.
    static constexpr size_t kLargestPlannedBatch = 512;

 private:
    std::unique_ptr<Model> borrow();
    void give_back(std::unique_ptr<Model> model);

    ExportedModel exported_;
    ModelInfo info_;
    PassPlan plan_;
    std::mutex pool_mutex_;
    std::vector<std::unique_ptr<Model>> pool_;
};

// The ModelInfo of an exported model served as `name`, `version` with at most `max_rows`
// rows per request.
ModelInfo model_info_for(const ExportedModel& exported, const std::string& name, int64_t version,
                         size_t max_rows);

}  // namespace slipway::serve
