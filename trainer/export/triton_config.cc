#include "export/triton_config.h"

namespace slipway {
namespace {

std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string tensor_block(const TensorShape& tensor) {
    return "  {\n    name: " + quoted(tensor.name) + "\n    data_type: TYPE_FP32\n    dims: [ " +
           std::to_string(tensor.width) + " ]\n  }";
}

}  // namespace

std::string triton_config(const std::string& model_name, int max_batch_size,
                          const TensorShape& input, const std::vector<TensorShape>& outputs) {
    std::string text = "# Written by slipway-train export (docs/export.md).\n";
    text += "name: " + quoted(model_name) + "\n";
    text += "platform: \"onnxruntime_onnx\"\n";
    text += "max_batch_size: " + std::to_string(max_batch_size) + "\n";
    text += "input [\n" + tensor_block(input) + "\n]\n";
    text += "output [\n";
    for (size_t i = 0; i < outputs.size(); ++i) {
        text += tensor_block(outputs[i]) + (i + 1 < outputs.size() ? ",\n" : "\n");
    }
    text += "]\n";
    text += "dynamic_batching { }\n";
    return text;
}

}  // namespace slipway
