#include "export/onnx_tensor.h"

#include <bit>
#include <cstring>

namespace slipway::export_graph {

static_assert(std::endian::native == std::endian::little,
              "ONNX raw_data is little-endian; this code copies host floats as they are");

void set_float_tensor(onnx::TensorProto& tensor, const std::string& name,
                      const std::vector<int64_t>& dims, std::span<const float> values) {
    tensor.set_name(name);
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t dim : dims) tensor.add_dims(dim);
    tensor.set_raw_data(values.data(), values.size_bytes());
}

Result<std::vector<float>> read_float_tensor(const onnx::TensorProto& tensor,
                                             const std::string& where) {
    auto bad = [&](const std::string& what) {
        return Error{ExitCode::kBadCheckpoint, "initializer '" + tensor.name() + "' " + what, where,
                     "re-export the model with slipway-train export"};
    };
    if (tensor.data_type() != onnx::TensorProto::FLOAT) {
        return bad("is not float32 (ONNX data type " + std::to_string(tensor.data_type()) + ")");
    }
    if (tensor.has_data_location() && tensor.data_location() == onnx::TensorProto::EXTERNAL) {
        return bad("keeps its data in an external file");
    }
    uint64_t count = 1;
    for (int64_t dim : tensor.dims()) {
        if (dim < 0 || dim > (int64_t{1} << 31)) return bad("has dimension " + std::to_string(dim));
        count *= static_cast<uint64_t>(dim);
        if (count > (uint64_t{1} << 31)) return bad("has more than 2^31 elements");
    }
    std::vector<float> values;
    if (tensor.has_raw_data()) {
        const std::string& raw = tensor.raw_data();
        if (raw.size() != count * sizeof(float)) {
            return bad("holds " + std::to_string(raw.size()) + " bytes for " +
                       std::to_string(count) + " floats");
        }
        values.resize(count);
        std::memcpy(values.data(), raw.data(), raw.size());
    } else {
        if (static_cast<uint64_t>(tensor.float_data_size()) != count) {
            return bad("holds " + std::to_string(tensor.float_data_size()) + " floats, its shape " +
                       std::to_string(count));
        }
        values.assign(tensor.float_data().begin(), tensor.float_data().end());
    }
    return values;
}

void set_batch_value_info(onnx::ValueInfoProto& info, const std::string& name, int64_t width) {
    info.set_name(name);
    auto* tensor_type = info.mutable_type()->mutable_tensor_type();
    tensor_type->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = tensor_type->mutable_shape();
    shape->add_dim()->set_dim_param("batch");
    shape->add_dim()->set_dim_value(width);
}

}  // namespace slipway::export_graph
