#pragma once

#include <string_view>

#include "serve/protocol/api_error.h"
#include "serve/protocol/feature_rows.h"

namespace slipway::serve {

// POST /predict: {"features": [f0, f1, ...]} (one row) or {"instances": [[...], [...]]}.
struct PredictRequest {
    FeatureRows rows;
    bool single = false;  // "features": answer with one object, not a list
};

// Parses and checks a /predict body against `limits`: malformed JSON (with the byte offset),
// unknown keys, non-numbers (with the path), numbers beyond float range, rows whose feature
// count differs from the model's (expected vs got), an empty or oversized batch. Each is a 400
// that says what is wrong.
ApiResult<PredictRequest> parse_predict_request(std::string_view body, const RowLimits& limits);

}  // namespace slipway::serve
