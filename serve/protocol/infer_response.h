#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "serve/protocol/infer_request.h"
#include "serve/protocol/predictions.h"

namespace slipway::serve {

// The body of a v2 infer response, and the Inference-Header-Content-Length header's value
// when some output travels as binary data after the JSON.
struct InferResponse {
    std::string body;
    std::optional<size_t> header_length;
};

// {"model_name", "model_version", "id"?, "outputs": [{"name", "datatype": "FP32",
// "shape": [rows, classes], "data": [...]} or "parameters": {"binary_data_size": bytes}]}.
// Outputs follow the request's "outputs" (all of signature.output_names when absent, in that
// order); predictions.outputs holds them in signature.output_names order.
InferResponse infer_response_body(const InferRequest& request, const Predictions& predictions,
                                  const InferSignature& signature);

}  // namespace slipway::serve
