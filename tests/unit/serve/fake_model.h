#pragma once

// A tiny InferenceModel for tests of the batcher and the service: 3 features, 2 classes,
// logits (sum, -sum) of each row. It records the rows of every forward pass and can be slowed
// down to let requests pile up.

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "serve/model/inference_model.h"
#include "serve/model/softmax.h"

namespace slipway::serve::testing {

class FakeModel : public InferenceModel {
 public:
    explicit FakeModel(int64_t version = 1, std::chrono::milliseconds delay = {}) : delay_(delay) {
        info_.name = "fake";
        info_.version = version;
        info_.signature = {"features", {"logits", "probabilities"}, {3, 8}};
        info_.output_width = 2;
        info_.class_names = {"low", "high"};
        info_.description = "fake 3-2";
    }

    const ModelInfo& info() const override { return info_; }
    // What the batcher thinks a row costs (it runs cheap batches inline).
    void set_cost(size_t multiply_adds_per_row) { info_.multiply_adds_per_row = multiply_adds_per_row; }

    Predictions infer(const float* features, size_t rows) override {
        {
            std::lock_guard lock(mutex_);
            passes_.push_back(rows);
        }
        if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
        Predictions out;
        out.rows = rows;
        out.width = 2;
        out.model_name = info_.name;
        out.model_version = info_.version;
        out.outputs.assign(2, std::vector<float>(rows * 2));
        for (size_t r = 0; r < rows; ++r) {
            const float sum = features[3 * r] + features[3 * r + 1] + features[3 * r + 2];
            out.outputs[0][2 * r] = sum;
            out.outputs[0][2 * r + 1] = -sum;
        }
        softmax_rows(out.outputs[0].data(), rows, 2, out.outputs[1].data());
        return out;
    }

    std::vector<size_t> passes() const {
        std::lock_guard lock(mutex_);
        return passes_;
    }

 private:
    ModelInfo info_;
    std::chrono::milliseconds delay_;
    mutable std::mutex mutex_;
    std::vector<size_t> passes_;
};

}  // namespace slipway::serve::testing
