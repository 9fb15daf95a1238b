#pragma once

#include <cstddef>
#include <vector>

namespace slipway::serve {

// Rows of float features, row-major, as every request format turns into.
struct FeatureRows {
    std::vector<float> values;  // rows x width
    size_t rows = 0;
    size_t width = 0;
};

// What a request may carry: the model's feature count and the largest batch accepted.
struct RowLimits {
    size_t features = 0;
    size_t max_rows = 0;
};

}  // namespace slipway::serve
