#pragma once

// The fixed vocabulary of the ONNX graphs slipway exports: tensor names clients use, the
// opset, and the constants of the gelu formula. The writer (onnx_graph.cc) and the reader
// (exported_model.cc) share them, so what one writes the other recognises.

#include <cstdint>

namespace slipway::export_graph {

// ONNX 1.12 (Debian 12's libonnx) knows opsets up to 17; every operator used here (Gemm,
// Relu, Tanh, Mul, Add, Sub, Div, Softmax) has had its current form since opset 13 or
// earlier, and onnxruntime and Triton's onnxruntime backend run all of them.
inline constexpr int64_t kOpset = 17;

// Tensor names: the input [batch, F] and the outputs [batch, C] (or [batch, T]).
inline constexpr char kInput[] = "features";
inline constexpr char kLogits[] = "logits";                // cross-entropy models
inline constexpr char kProbabilities[] = "probabilities";  // softmax over axis 1 of logits
inline constexpr char kPredictions[] = "predictions";      // MSE models

// Metadata keys on the ModelProto (metadata_props).
inline constexpr char kMetaFormat[] = "slipway.format";  // value: kFormatName
inline constexpr char kFormatName[] = "slipway-mlp 1";
inline constexpr char kMetaClassNames[] = "slipway.class_names";  // a JSON array of strings
inline constexpr char kMetaSignature[] = "slipway.model_signature";

// gelu is the tanh approximation 0.5 x (1 + tanh(k (x + c x^3))), computed in this order, as
// the CPU kernels do (model/cpu/kernels.cc): ((c*x)*x)*x, x + that, k * that, tanh, 1 + that,
// (0.5*x) * that. ONNX has no Gelu before opset 20, so the graph spells the formula out.
inline constexpr float kGeluK = 0.7978845608028654f;  // sqrt(2 / pi)
inline constexpr float kGeluC = 0.044715f;
inline constexpr float kHalf = 0.5f;
inline constexpr float kOne = 1.0f;

}  // namespace slipway::export_graph
