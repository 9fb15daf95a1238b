// libFuzzer target for slipway-serve's request parsers: /predict bodies, v2 infer bodies
// (JSON and the binary tensor extension) and routes. Built and run by run_fuzz.sh with
// clang's -fsanitize=fuzzer,address,undefined; a crash, a sanitizer report or a broken
// invariant (a parsed request whose values do not fill its shape) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "serve/protocol/infer_request.h"
#include "serve/protocol/predict_request.h"
#include "serve/protocol/route.h"

namespace {

using namespace slipway::serve;

const RowLimits kLimits{4, 16};
const InferSignature kSignature{"features", {"logits", "probabilities"}, kLimits};

void check(const FeatureRows& rows) {
    if (rows.values.size() != rows.rows * rows.width || rows.width != kLimits.features ||
        rows.rows == 0 || rows.rows > kLimits.max_rows) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 3) return 0;
    const uint8_t mode = data[0] % 4;
    const size_t header = static_cast<size_t>(data[1]) | static_cast<size_t>(data[2]) << 8;
    const std::string_view body(reinterpret_cast<const char*>(data) + 3, size - 3);
    switch (mode) {
        case 0: {
            ApiResult<PredictRequest> parsed = parse_predict_request(body, kLimits);
            if (parsed.ok()) check(parsed->rows);
            break;
        }
        case 1: {
            ApiResult<InferRequest> parsed = parse_infer_request(body, std::nullopt, kSignature);
            if (parsed.ok()) check(parsed->rows);
            break;
        }
        case 2: {
            const std::string length = std::to_string(header);
            ApiResult<InferRequest> parsed = parse_infer_request(body, length, kSignature);
            if (parsed.ok()) check(parsed->rows);
            break;
        }
        default:
            (void)match_route(body);
    }
    return 0;
}
