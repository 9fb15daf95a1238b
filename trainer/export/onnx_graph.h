#pragma once

// The ONNX graph of a trained MLP (docs/export.md "The graph"):
//
//   features [batch, F]
//     -> Sub(feature_mean) -> Div(feature_std)        only when the spec standardises
//     -> Gemm(W0, b0, transB=1) -> activation          per hidden layer
//     -> Gemm(Wn, bn, transB=1) -> logits              -> Softmax(axis=1) -> probabilities
//                                  (or predictions for an MSE model)
//
// The activation is Relu, Tanh, or the trainer's tanh-approximated gelu written out in Mul,
// Add and Tanh. Dropout is absent: it only acts in training.

#include <onnx/onnx_pb.h>

#include <span>
#include <string>
#include <vector>

#include "model/mlp_config.h"

namespace slipway {

struct GraphSource {
    MlpConfig config;                      // inputs, hidden, outputs, activation, loss
    std::span<const float> parameters;     // parameter_count(config) floats, parameter_layout order
    std::vector<float> feature_mean;       // [inputs]; empty: no standardisation in the graph
    std::vector<float> feature_divisor;    // [inputs]: standardization_divisors() of the file's std
    std::vector<std::string> class_names;  // stored in the model's metadata (may be empty)
    std::string graph_name;
    std::string doc;  // the model's doc_string
};

// The divisors the trainer standardises with (data/dataset.cc standardize()): the file's std
// where it is a finite number >= 1e-6, else 1 (a constant feature is only centred).
std::vector<float> standardization_divisors(std::span<const float> feature_std);

// Builds the model (IR version of the linked ONNX, opset 17, dynamic batch). Sizes that do
// not match the config are a caller's bug: std::invalid_argument.
onnx::ModelProto build_onnx_model(const GraphSource& source);

}  // namespace slipway
