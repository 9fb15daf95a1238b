#pragma once

namespace slipway::serve {

// One JSON number read from the start of some text.
struct JsonNumber {
    enum class Status { kOk, kMalformed, kOverflow };
    Status status = Status::kOk;
    // What strtod gives for the text: the correctly rounded double, +-0 on underflow. "-0" is
    // +0: nlohmann read it as the integer 0, and request values must not change with this
    // parser.
    double value = 0;
    const char* end = nullptr;      // one past the number; for kMalformed, the offending byte
    const char* problem = nullptr;  // for kMalformed: "a leading zero must stand alone", ...
};

// Reads the number at `first` with RFC 8259's grammar, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?
// [0-9]+)? (so no '+1', '01', '.5', '5.', 'nan', 'inf' or hex). Numbers beyond double range
// are kOverflow, as nlohmann::json refused them.
JsonNumber parse_json_number(const char* first, const char* last);

}  // namespace slipway::serve
