#include "serve/protocol/predict_request.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "serve/protocol/json_error.h"
#include "serve/protocol/json_numbers.h"

namespace slipway::serve {
namespace {

using json = nlohmann::json;

// Reads a /predict body straight into floats (no JSON tree): a SAX handler with one state per
// place in {"features": [...]} / {"instances": [[...], ...]}. Any surprise stops the parse with
// an error naming the path.
class PredictSax {
 public:
    explicit PredictSax(const RowLimits& limits) : limits_(limits) {
        request_.rows.width = limits.features;
        request_.rows.values.reserve(limits.features);
    }

    bool null() { return unexpected("null"); }
    bool boolean(bool) { return unexpected("a boolean"); }
    bool number_integer(json::number_integer_t value) { return number(static_cast<double>(value)); }
    bool number_unsigned(json::number_unsigned_t value) {
        return number(static_cast<double>(value));
    }
    bool number_float(json::number_float_t value, const json::string_t&) { return number(value); }
    bool string(json::string_t&) { return unexpected("a string"); }
    bool binary(json::binary_t&) { return unexpected("binary data"); }

    bool start_object(std::size_t) {
        if (state_ != State::kStart) return unexpected("an object");
        state_ = State::kKey;
        return true;
    }
    bool key(json::string_t& key) {
        if (seen_key_) {
            return fail(
                "the body has more than one key; send either \"features\" or "
                "\"instances\"");
        }
        seen_key_ = true;
        if (key == "features") {
            state_ = State::kFeaturesStart;
        } else if (key == "instances") {
            state_ = State::kInstancesStart;
        } else {
            return fail("unknown key \"" + key +
                        "\"; expected \"features\" (one row) or "
                        "\"instances\" (a list of rows)");
        }
        return true;
    }
    bool end_object() {
        if (!seen_key_)
            return fail(
                "empty object; expected {\"features\": [...]} or "
                "{\"instances\": [[...], ...]}");
        state_ = State::kDone;
        return true;
    }
    bool start_array(std::size_t) {
        switch (state_) {
            case State::kFeaturesStart:
                state_ = State::kFeatures;
                request_.single = true;
                return true;
            case State::kInstancesStart:
                state_ = State::kInstances;
                return true;
            case State::kInstances:
                if (request_.rows.rows >= limits_.max_rows) {
                    return fail("more than " + std::to_string(limits_.max_rows) +
                                " instances; split the batch");
                }
                state_ = State::kRow;
                column_ = 0;
                return true;
            default:
                return unexpected("an array");
        }
    }
    bool end_array() {
        if (state_ == State::kFeatures) {
            if (!row_complete()) return false;
            request_.rows.rows = 1;
            state_ = State::kKey;
            return true;
        }
        if (state_ == State::kRow) {
            if (!row_complete()) return false;
            ++request_.rows.rows;
            state_ = State::kInstances;
            return true;
        }
        // end of "instances"
        if (request_.rows.rows == 0) return fail("\"instances\" is empty; send at least one row");
        state_ = State::kKey;
        return true;
    }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& error) {
        error_ = malformed_json_message(position, error.what());
        return false;
    }

    bool finished() const { return state_ == State::kDone; }
    const std::optional<std::string>& error() const { return error_; }
    PredictRequest take() { return std::move(request_); }

 private:
    enum class State {
        kStart,
        kKey,
        kFeaturesStart,
        kFeatures,
        kInstancesStart,
        kInstances,
        kRow,
        kDone
    };

    bool number(double value) {
        if (state_ != State::kFeatures && state_ != State::kRow) return unexpected("a number");
        if (column_ >= limits_.features) {
            return fail(where() + " has more than the " + std::to_string(limits_.features) +
                        " features the model expects");
        }
        const std::optional<float> converted = to_model_float(value);
        if (!converted) {
            return fail(here() + " = " + std::to_string(value) + " is beyond float range");
        }
        request_.rows.values.push_back(*converted);
        ++column_;
        return true;
    }

    bool row_complete() {
        if (column_ != limits_.features) {
            return fail(where() + " has " + std::to_string(column_) +
                        " features; the model "
                        "expects " +
                        std::to_string(limits_.features));
        }
        column_ = 0;
        return true;
    }

    // The row being read: "features" or "instances[r]".
    std::string where() const {
        return state_ == State::kFeatures ? "features"
                                          : element_path("instances", request_.rows.rows);
    }
    // The element being read.
    std::string here() const {
        return state_ == State::kFeatures ? element_path("features", column_)
                                          : element_path("instances", request_.rows.rows, column_);
    }

    bool unexpected(const std::string& what) {
        switch (state_) {
            case State::kStart:
                return fail("the body is " + what +
                            "; expected an object like "
                            "{\"features\": [...]}");
            case State::kFeaturesStart:
                return fail("\"features\" is " + what + "; expected an array of numbers");
            case State::kInstancesStart:
                return fail("\"instances\" is " + what + "; expected an array of rows");
            case State::kInstances:
                return fail(element_path("instances", request_.rows.rows) + " is " + what +
                            "; expected an array of numbers");
            case State::kFeatures:
            case State::kRow:
                return fail(here() + " is " + what + "; expected a number");
            default:
                return fail("unexpected " + what);
        }
    }

    bool fail(std::string message) {
        error_ = std::move(message);
        return false;
    }

    const RowLimits& limits_;
    PredictRequest request_;
    State state_ = State::kStart;
    bool seen_key_ = false;
    size_t column_ = 0;
    std::optional<std::string> error_;
};

}  // namespace

ApiResult<PredictRequest> parse_predict_request(std::string_view body, const RowLimits& limits) {
    if (body.empty()) return bad_request("empty body; expected {\"features\": [...]}");
    PredictSax sax(limits);
    const bool parsed = json::sax_parse(body.begin(), body.end(), &sax);
    if (!parsed || !sax.finished()) {
        return bad_request(sax.error().value_or("incomplete JSON body"));
    }
    return sax.take();
}

}  // namespace slipway::serve
