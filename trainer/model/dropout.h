#pragma once

#include <cstdint>

#include "common/rng.h"

namespace slipway {

// The dropout mask as a pure function of (seed, epoch, sample id, layer, unit). Every backend
// must compute exactly this so a sample keeps its mask across ranks, micro-batches and devices.
//
//   row   = splitmix64(splitmix64(splitmix64(splitmix64(seed) ^ epoch) ^ sample_id) ^ layer)
//   word  = splitmix64(row + (unit / 4) * kGolden)     // one hash feeds four units
//   bits  = (word >> (16 * (unit % 4))) & 0xFFFF
//   keep  = bits >= threshold,  threshold = round(p * 65536)
//
// 16 bits per unit quarter the hashing cost; p is resolved to 1/65536 (drop probability
// threshold / 65536, within 2^-17 of p). Kept units are scaled by 1 / (1 - p) (inverted dropout).

inline uint64_t dropout_row_key(uint64_t seed, uint64_t epoch, uint64_t sample_id,
                                uint64_t layer) {
    return splitmix64(splitmix64(splitmix64(splitmix64(seed) ^ epoch) ^ sample_id) ^ layer);
}

inline uint32_t dropout_threshold(double p) {
    if (p <= 0) return 0;
    if (p >= 1) return 65536;
    return static_cast<uint32_t>(p * 65536.0 + 0.5);
}

inline bool dropout_keep(uint64_t row_key, uint32_t unit, uint32_t threshold) {
    const uint64_t word = splitmix64(row_key + static_cast<uint64_t>(unit / 4) * kGolden);
    const uint32_t bits = static_cast<uint32_t>(word >> (16 * (unit % 4))) & 0xFFFFu;
    return bits >= threshold;
}

}  // namespace slipway
