#include "tracking/tfrecord.h"

#include <cstdint>

#include "tracking/crc32c.h"

namespace slipway::tracking {
namespace {

void append_le(std::string& out, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

}  // namespace

std::string tfrecord_frame(std::string_view data) {
    std::string out;
    out.reserve(data.size() + 16);
    append_le(out, data.size(), 8);
    const uint32_t length_crc = masked_crc32c(std::string_view(out.data(), 8));
    append_le(out, length_crc, 4);
    out.append(data.data(), data.size());
    append_le(out, masked_crc32c(data), 4);
    return out;
}

}  // namespace slipway::tracking
