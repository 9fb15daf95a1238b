#pragma once

#include <memory>
#include <mutex>

#include "serve/model/inference_model.h"

namespace slipway::serve {

// The version being served. Requests take a snapshot (a shared_ptr) when they are admitted and
// keep it to the end, so a swap never changes the model under a running request and the old
// version is freed when its last request finishes.
class ModelSlot {
 public:
    std::shared_ptr<InferenceModel> current() const {
        std::lock_guard lock(mutex_);
        return model_;
    }

    void swap_in(std::shared_ptr<InferenceModel> model) {
        std::shared_ptr<InferenceModel> old;
        {
            std::lock_guard lock(mutex_);
            old = std::move(model_);
            model_ = std::move(model);
        }
        // `old` (if no request holds it any more) is destroyed here, outside the lock.
    }

 private:
    mutable std::mutex mutex_;
    std::shared_ptr<InferenceModel> model_;
};

}  // namespace slipway::serve
