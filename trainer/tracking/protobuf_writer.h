#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace slipway::tracking {

// Appends protocol-buffer fields in the wire format (proto3: little-endian fixed widths,
// base-128 varints, length-delimited strings and messages). Enough for the handful of
// messages slipway writes by hand (TensorBoard's Event); no reflection, no schema.
class ProtobufWriter {
 public:
    void varint_field(int field, uint64_t value);
    void int64_field(int field, int64_t value) {
        varint_field(field, static_cast<uint64_t>(value));
    }
    void double_field(int field, double value);           // wire type 1 (fixed64)
    void float_field(int field, float value);             // wire type 5 (fixed32)
    void bytes_field(int field, std::string_view bytes);  // wire type 2: strings, messages

    const std::string& bytes() const { return out_; }
    std::string take() { return std::move(out_); }

 private:
    void tag(int field, int wire_type);
    void varint(uint64_t value);
    void little_endian(uint64_t value, int bytes);

    std::string out_;
};

}  // namespace slipway::tracking
