#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "spec/job_spec.h"

namespace slipway {

// A fully resolved MLP: no "auto" left. Built by the trainer from the spec and the dataset.
struct MlpConfig {
    int inputs = 0;
    std::vector<int> hidden;
    int outputs = 0;                     // classes for cross-entropy, targets for MSE
    Activation activation = Activation::kRelu;
    double dropout = 0.0;                // after each hidden activation, training only
    LossKind loss = LossKind::kCrossEntropy;  // kCrossEntropy or kMse, never kAuto
    InitScheme init = InitScheme::kHe;        // kHe or kXavier, never kAuto
};

// Where each layer's tensors sit in the flat parameter buffer. Layer l (0-based, hidden layers
// then the output layer) stores W_l as [out][in] row-major (PyTorch's Linear layout, and ONNX
// Gemm with transB=1), then b_l [out]. One flat buffer makes the gradient allreduce one call.
struct LayerSlot {
    int in = 0;
    int out = 0;
    size_t weight_offset = 0;
    size_t bias_offset = 0;
};

std::vector<LayerSlot> parameter_layout(const MlpConfig& config);
size_t parameter_count(const MlpConfig& config);

// "mlp 784-256-256-10 act=relu dropout=0.1 loss=cross_entropy": what checkpoints compare
// (issue 4) and logs print. Two configs with the same signature have interchangeable parameters.
std::string model_signature(const MlpConfig& config);

}  // namespace slipway
