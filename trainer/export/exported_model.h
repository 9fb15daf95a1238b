#pragma once

// Reading back a model.onnx that slipway-train exported (onnx_graph.h describes the graph),
// for slipway-serve, which runs the forward pass with the trainer's own model code: load
// `parameters` into make_cpu_model(config) and standardise inputs as (x - mean) / divisor.

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/mlp_config.h"

namespace slipway {

struct ExportedModel {
    // inputs, hidden, outputs, activation, loss (cross_entropy when the graph ends in Softmax,
    // else mse); dropout 0 (inference); init kHe (meaningless once trained).
    MlpConfig config;
    std::vector<float> parameters;          // parameter_count(config), parameter_layout order
    std::vector<float> feature_mean;        // [inputs], subtracted first; empty: no standardising
    std::vector<float> feature_divisor;     // [inputs], divides after the mean
    std::vector<std::string> class_names;   // from the model's metadata; may be empty
    std::string input_name;                 // "features"
    std::vector<std::string> output_names;  // {"logits", "probabilities"} or {"predictions"}

    bool standardizes() const { return !feature_mean.empty(); }
    bool is_classification() const { return config.loss == LossKind::kCrossEntropy; }
};

// Parses `model_onnx_path` into the MLP it holds. Any graph that is not one slipway-train
// exports is refused with an Error (exit 4) naming the offending node, e.g.
//   "unsupported operator 'Conv' at node 3 (name 'conv1'): slipway-serve runs only the graphs
//    slipway-train exports"
// (nodes count from 0 in graph order). Unreadable files and bad tensors are Errors too.
Result<ExportedModel> read_exported_model(const std::string& model_onnx_path);

// The same from the serialized ModelProto in memory; `where` locates errors.
Result<ExportedModel> parse_exported_model(std::string_view bytes, const std::string& where);

}  // namespace slipway
