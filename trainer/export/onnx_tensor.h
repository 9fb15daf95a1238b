#pragma once

// Small helpers over the ONNX protobuf classes, shared by the graph writer and reader.

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace slipway::export_graph {

// Fills `tensor` as a float32 initializer named `name` of shape `dims` (empty: a scalar),
// the values little-endian in raw_data.
void set_float_tensor(onnx::TensorProto& tensor, const std::string& name,
                      const std::vector<int64_t>& dims, std::span<const float> values);

// The values of a float32 tensor (raw_data or float_data) after checking that their count
// matches the dims. Anything else is an Error (exit 4) located at `where`.
Result<std::vector<float>> read_float_tensor(const onnx::TensorProto& tensor,
                                             const std::string& where);

// A [batch, width] float32 ValueInfo: the batch dimension symbolic ("batch"), width fixed.
void set_batch_value_info(onnx::ValueInfoProto& info, const std::string& name, int64_t width);

}  // namespace slipway::export_graph
