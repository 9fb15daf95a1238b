#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/protocol/api_error.h"
#include "serve/protocol/json_reader.h"

namespace slipway::serve {

// inputs[0].data as floats, depth first through any nesting, with what stands in the way of
// using them. Read during the scan, since it is nearly all of a JSON body; judged later against
// the shape, which may come after it.
struct TensorData {
    // Where the first offending element sits: how many numbers precede it (for a non-number)
    // or its index among the numbers (for one beyond float range), and its path.
    struct Problem {
        size_t position = 0;
        std::string path;  // "inputs[0].data[1][2]"
        JsonKind kind = JsonKind::kNumber;
    };

    std::vector<float> values;  // the first `keep` numbers; more make the request wrong anyway
    size_t count = 0;           // every number
    std::optional<Problem> not_a_number;
    std::optional<Problem> beyond_float_range;
};

// inputs[0] when it is an object: the JSON text of the members the checks read.
struct InputMembers {
    std::optional<std::string_view> name, datatype, shape, parameters;
    std::optional<TensorData> data;
};

// A v2 infer body after one pass: the whole text checked as JSON (a malformed body is refused
// before anything else, as when it was parsed into a tree), the JSON text of the members the
// checks need kept for them to re-read, and the tensor data converted. A repeated key counts
// once, its last time, as in a tree.
struct InferBody {
    JsonKind kind = JsonKind::kInvalid;  // of the whole body
    std::optional<std::string_view> id, parameters, outputs;
    std::optional<JsonKind> inputs;  // kind of "inputs", when present
    size_t input_count = 0;          // when "inputs" is an array
    JsonKind first_input = JsonKind::kInvalid;
    InputMembers input;  // when first_input is an object
};

// Scans `json`; the only error is malformed JSON. At most `keep` data values are stored.
ApiResult<InferBody> scan_infer_body(std::string_view json, size_t keep);

}  // namespace slipway::serve
