#include "tracking/protobuf_writer.h"

#include <cstring>

namespace slipway::tracking {

void ProtobufWriter::varint(uint64_t value) {
    while (value >= 0x80) {
        out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
        value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
}

void ProtobufWriter::little_endian(uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void ProtobufWriter::tag(int field, int wire_type) {
    varint((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire_type));
}

void ProtobufWriter::varint_field(int field, uint64_t value) {
    tag(field, 0);
    varint(value);
}

void ProtobufWriter::double_field(int field, double value) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(bits));
    tag(field, 1);
    little_endian(bits, 8);
}

void ProtobufWriter::float_field(int field, float value) {
    uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof(bits));
    tag(field, 5);
    little_endian(bits, 4);
}

void ProtobufWriter::bytes_field(int field, std::string_view bytes) {
    tag(field, 2);
    varint(bytes.size());
    out_.append(bytes.data(), bytes.size());
}

}  // namespace slipway::tracking
