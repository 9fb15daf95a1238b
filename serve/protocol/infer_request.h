#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/protocol/api_error.h"
#include "serve/protocol/feature_rows.h"

namespace slipway::serve {

// The tensors a model takes and gives, as the v2 protocol names them.
struct InferSignature {
    std::string input_name;
    std::vector<std::string> output_names;
    RowLimits limits;
};

struct RequestedOutput {
    std::string name;
    bool binary = false;  // parameters.binary_data: raw little-endian floats after the JSON
};

// POST /v2/models/<name>[/versions/<v>]/infer, Open Inference Protocol v2 with Triton's binary
// tensor data extension.
struct InferRequest {
    std::string id;                        // echoed in the response when present
    FeatureRows rows;                      // the one FP32 input, shape [rows, features]
    std::vector<RequestedOutput> outputs;  // empty: every output
    bool binary_by_default = false;        // parameters.binary_data_output
};

// Parses an infer body. `header_length` is the Inference-Header-Content-Length header when
// present: the JSON is the body's first that many bytes and binary tensor data follows, each
// input taking parameters.binary_data_size bytes in input order. Errors are 400s naming the
// field: malformed JSON (byte offset), an input other than the model's, a datatype other than
// FP32, a shape that is not [rows, features], a data count or binary size that does not match
// the shape, non-finite values, unknown outputs.
ApiResult<InferRequest> parse_infer_request(std::string_view body,
                                            std::optional<std::string_view> header_length,
                                            const InferSignature& signature);

}  // namespace slipway::serve
