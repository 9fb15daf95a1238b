#pragma once

#include <cstddef>

#include "serve/model/model_info.h"
#include "serve/protocol/predictions.h"

namespace slipway::serve {

// One loaded model version as the server uses it. infer() may be called from many threads at
// once; an instance lives as long as any request still holds it (shared_ptr), so a version
// swapped out finishes the requests that started on it.
class InferenceModel {
 public:
    virtual ~InferenceModel() = default;

    virtual const ModelInfo& info() const = 0;

    // `rows` rows of info().signature.limits.features floats each -> every output tensor.
    virtual Predictions infer(const float* features, size_t rows) = 0;
};

}  // namespace slipway::serve
