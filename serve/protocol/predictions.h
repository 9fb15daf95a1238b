#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace slipway::serve {

// What one forward pass gives back for a request's rows, and which model version gave it.
// A classifier has two outputs, logits then probabilities (softmax of the logits); a
// regression model one, its predictions. Each tensor is rows x width, row-major.
struct Predictions {
    size_t rows = 0;
    size_t width = 0;                         // classes, or regression targets
    std::vector<std::vector<float>> outputs;  // in the model's output order
    bool classification = true;
    std::string model_name;
    int64_t model_version = 0;
};

}  // namespace slipway::serve
