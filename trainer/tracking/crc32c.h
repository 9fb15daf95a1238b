#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace slipway::tracking {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as RFC 3720 and TFRecord use it.
uint32_t crc32c(std::string_view bytes);

// TFRecord's masked CRC: rotate right by 15 bits and add 0xa282ead8, so a CRC stored next to
// the data it covers does not checksum to a fixed value.
uint32_t masked_crc32c(std::string_view bytes);
uint32_t mask_crc(uint32_t crc);

}  // namespace slipway::tracking
