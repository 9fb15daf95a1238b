#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "serve/protocol/infer_request.h"

namespace slipway::serve {

// What the server says about a loaded model version: names, shapes and labels.
struct ModelInfo {
    std::string name;
    int64_t version = 0;
    InferSignature signature;  // input and output tensor names, features, max rows
    size_t output_width = 0;   // classes, or regression targets
    bool classification = true;
    std::vector<std::string> class_names;  // may be empty
    // The cost of one row's forward pass, about its parameter count; decides where a batch runs
    // (serve/batching/batcher.h). 0: unknown, treated as cheap.
    size_t multiply_adds_per_row = 0;
    std::string description;               // "mlp 784-256-10 act=relu ...", for logs and metadata
};

}  // namespace slipway::serve
