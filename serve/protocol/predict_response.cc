#include "serve/protocol/predict_response.h"

#include <algorithm>

#include "serve/protocol/json_writer.h"

namespace slipway::serve {
namespace {

void append_row(std::string& out, const Predictions& predictions,
                const std::vector<std::string>& class_names, size_t row) {
    const size_t width = predictions.width;
    if (!predictions.classification) {
        out += "\"predictions\":";
        append_float_array(out, predictions.outputs[0].data() + row * width, width);
        return;
    }
    const float* probabilities = predictions.outputs[1].data() + row * width;
    const size_t best =
        static_cast<size_t>(std::max_element(probabilities, probabilities + width) - probabilities);
    out += "\"class\":";
    out += std::to_string(best);
    out += ",\"label\":";
    append_json_string(out, best < class_names.size() ? class_names[best] : std::to_string(best));
    out += ",\"probabilities\":";
    append_float_array(out, probabilities, width);
}

void append_model(std::string& out, const Predictions& predictions) {
    out += ",\"model\":";
    append_json_string(out, predictions.model_name);
    out += ",\"version\":";
    out += std::to_string(predictions.model_version);
}

}  // namespace

std::string predict_response_body(const Predictions& predictions,
                                  const std::vector<std::string>& class_names, bool single) {
    std::string out;
    out.reserve(64 + predictions.rows * (40 + 16 * predictions.width));
    out += '{';
    if (single) {
        append_row(out, predictions, class_names, 0);
    } else {
        out += "\"predictions\":[";
        for (size_t row = 0; row < predictions.rows; ++row) {
            out += row == 0 ? "{" : ",{";
            append_row(out, predictions, class_names, row);
            out += '}';
        }
        out += ']';
    }
    append_model(out, predictions);
    out += '}';
    return out;
}

}  // namespace slipway::serve
