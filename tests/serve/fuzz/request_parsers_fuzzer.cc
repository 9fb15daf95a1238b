// libFuzzer target for slipway-serve's request parsers: /predict bodies, v2 infer bodies
// (JSON and the binary tensor extension), routes and the JSON reader under them. Built and run
// by run_fuzz.sh with clang's -fsanitize=fuzzer,address,undefined; a crash, a sanitizer report
// or a broken invariant (a parsed request whose values do not fill its shape, a body the
// reader and nlohmann::json disagree on, an HTTP request the connection parser reads past its
// buffer or limits) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "serve/http/request_parser.h"
#include "serve/protocol/infer_request.h"
#include "serve/protocol/json_reader.h"
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

// The reader replaced nlohmann::json in the parsers and must accept the same texts, but for
// its two departures: nlohmann took a NUL byte for the end of input, and the reader bounds
// nesting.
void check_reader_agrees_with_nlohmann(std::string_view text) {
    JsonReader reader(text);
    const bool accepted = reader.skip_value() && reader.finish();
    if (text.find('\0') != std::string_view::npos) return;
    if (accepted == nlohmann::json::accept(text.begin(), text.end())) return;
    if (!accepted && reader.error().find("nesting deeper") != std::string::npos) return;
    std::abort();
}

// Every input is also an HTTP request head and body for the connection parser: whatever it
// says must stay inside the buffer and the limits, and a complete request must parse the same
// when it arrives with more bytes behind it (pipelining).
void check_http_parser(std::string_view bytes) {
    RequestLimits limits;
    limits.max_header_bytes = 1024;
    limits.max_body_bytes = 2048;
    const ParseOutcome outcome = parse_request(bytes, limits);
    if (outcome.kind == ParseOutcome::Kind::kFailed) {
        if (outcome.status < 400 || outcome.status > 505 || outcome.message.empty()) std::abort();
        return;
    }
    if (outcome.kind != ParseOutcome::Kind::kComplete) return;
    if (outcome.consumed > bytes.size()) std::abort();
    if (outcome.request.content().size() > limits.max_body_bytes) std::abort();
    if (outcome.request.path.empty() || outcome.request.path.front() != '/') std::abort();
    const std::string longer = std::string(bytes.substr(0, outcome.consumed)) + "GET / HTTP/1.1";
    const ParseOutcome again = parse_request(longer, limits);
    if (again.kind != ParseOutcome::Kind::kComplete || again.consumed != outcome.consumed ||
        again.request.content() != outcome.request.content()) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 3) return 0;
    // Modulo 5 keeps the seed corpus's modes (first bytes 0..3 and 'e').
    const uint8_t mode = data[0] % 5;
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
        case 3:
            (void)match_route(body);
            break;
        default:
            check_reader_agrees_with_nlohmann(body);
    }
    check_http_parser(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
