#include "serve/model/softmax.h"

#include <algorithm>
#include <cmath>

namespace slipway::serve {

void softmax_rows(const float* logits, size_t rows, size_t width, float* out) {
    for (size_t r = 0; r < rows; ++r) {
        const float* z = logits + r * width;
        float* p = out + r * width;
        const float max = *std::max_element(z, z + width);
        float sum = 0.0f;
        for (size_t j = 0; j < width; ++j) {
            p[j] = std::exp(z[j] - max);
            sum += p[j];
        }
        const float scale = 1.0f / sum;
        for (size_t j = 0; j < width; ++j) p[j] *= scale;
    }
}

}  // namespace slipway::serve
