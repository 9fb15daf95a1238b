#pragma once

// config.pbtxt of a model in Triton's model repository (protobuf text format of Triton's
// ModelConfig), for the ONNX Runtime backend with dynamic batching:
//
//   name: "<name>"  platform: "onnxruntime_onnx"  max_batch_size: N
//   input [ { name: "features" data_type: TYPE_FP32 dims: [ F ] } ]
//   output [ { name: "logits" ... dims: [ C ] }, ... ]
//   dynamic_batching { }
//
// Dims leave out the batch dimension, which max_batch_size > 0 implies.

#include <cstdint>
#include <string>
#include <vector>

namespace slipway {

struct TensorShape {
    std::string name;
    int64_t width = 0;  // the dimension after the batch
};

std::string triton_config(const std::string& model_name, int max_batch_size,
                          const TensorShape& input, const std::vector<TensorShape>& outputs);

}  // namespace slipway
