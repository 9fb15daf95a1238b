#pragma once

#include <cstddef>

namespace slipway::serve {

// Row-wise softmax of `rows` x `width` logits into `out`, as ONNX Softmax(axis=1) computes it:
// exp(z - max) / sum, in float.
void softmax_rows(const float* logits, size_t rows, size_t width, float* out);

}  // namespace slipway::serve
