#include "serve/protocol/infer_response.h"

#include <vector>

#include "serve/protocol/json_writer.h"

namespace slipway::serve {

InferResponse infer_response_body(const InferRequest& request, const Predictions& predictions,
                                  const InferSignature& signature) {
    std::vector<RequestedOutput> outputs = request.outputs;
    if (outputs.empty()) {
        for (const std::string& name : signature.output_names) {
            outputs.push_back({name, request.binary_by_default});
        }
    }
    const size_t count = predictions.rows * predictions.width;
    const size_t bytes = count * sizeof(float);

    std::string json = "{\"model_name\":";
    append_json_string(json, predictions.model_name);
    json += ",\"model_version\":\"" + std::to_string(predictions.model_version) + "\"";
    if (!request.id.empty()) {
        json += ",\"id\":";
        append_json_string(json, request.id);
    }
    json += ",\"outputs\":[";
    std::string binary;
    for (size_t i = 0; i < outputs.size(); ++i) {
        size_t index = 0;
        while (signature.output_names[index] != outputs[i].name) ++index;  // parsed: known
        const std::vector<float>& tensor = predictions.outputs.at(index);
        if (i > 0) json += ',';
        json += "{\"name\":";
        append_json_string(json, outputs[i].name);
        json += ",\"datatype\":\"FP32\",\"shape\":[" + std::to_string(predictions.rows) + "," +
                std::to_string(predictions.width) + "]";
        if (outputs[i].binary) {
            json += ",\"parameters\":{\"binary_data_size\":" + std::to_string(bytes) + "}}";
            binary.append(reinterpret_cast<const char*>(tensor.data()), bytes);
        } else {
            json += ",\"data\":";
            append_float_array(json, tensor.data(), count);
            json += '}';
        }
    }
    json += "]}";

    InferResponse response;
    if (!binary.empty()) response.header_length = json.size();
    response.body = std::move(json);
    response.body += binary;
    return response;
}

}  // namespace slipway::serve
