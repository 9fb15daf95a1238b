#pragma once

#include <cstdint>

namespace slipway {

// The splitmix64 finalizer: a bijective 64-bit mix, used to derive independent streams from
// (seed, epoch) and as the output function of SplitMix64.
constexpr uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// A counter-based generator (value i = mix64(key + i * golden)). Ours rather than std::'s
// engines and distributions, whose outputs differ between standard libraries: every rank and
// every machine must derive the same permutation from the same seed.
class SplitMix64 {
 public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}

    uint64_t next() {
        state_ += 0x9E3779B97F4A7C15ULL;
        return mix64(state_);
    }

    // Uniform in [0, range), range > 0, without modulo bias (Lemire's multiply-and-reject).
    uint32_t bounded32(uint32_t range) {
        uint64_t product = (next() >> 32) * range;
        auto low = static_cast<uint32_t>(product);
        if (low < range) {
            const uint32_t threshold = static_cast<uint32_t>(-range) % range;
            while (low < threshold) {
                product = (next() >> 32) * range;
                low = static_cast<uint32_t>(product);
            }
        }
        return static_cast<uint32_t>(product >> 32);
    }

    // The same for 64-bit ranges (128-bit product).
    uint64_t bounded64(uint64_t range) {
        unsigned __int128 product = static_cast<unsigned __int128>(next()) * range;
        auto low = static_cast<uint64_t>(product);
        if (low < range) {
            const uint64_t threshold = (0 - range) % range;
            while (low < threshold) {
                product = static_cast<unsigned __int128>(next()) * range;
                low = static_cast<uint64_t>(product);
            }
        }
        return static_cast<uint64_t>(product >> 64);
    }

 private:
    uint64_t state_;
};

}  // namespace slipway
