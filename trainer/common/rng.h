#pragma once

#include <cstdint>

namespace slipway {

// Small deterministic generators written out here (not <random>, whose engines and
// distributions differ between standard libraries) so that parameters, permutations and
// dropout masks are bit-identical across ranks, machines and backends.

inline constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// The splitmix64 finalizer: a bijective 64-bit mix, used to derive independent streams from
// (seed, epoch) and as the output function of SplitMix64.
constexpr uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// One step of SplitMix64 (Steele, Lea, Flood 2014) as a counter-based hash:
// splitmix64(key + i * kGolden) is the i-th value of the stream `key`.
constexpr uint64_t splitmix64(uint64_t x) { return mix64(x + kGolden); }

// A counter-based generator (value i = mix64(key + i * golden)). Ours rather than std::'s
// engines and distributions, whose outputs differ between standard libraries: every rank and
// every machine must derive the same permutation from the same seed.
class SplitMix64 {
 public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}

    uint64_t next() {
        state_ += kGolden;
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

// xoshiro256** (Blackman, Vigna), seeded from SplitMix64 as its authors recommend.
class Xoshiro256 {
public:
    explicit Xoshiro256(uint64_t seed) {
        for (uint64_t& word : s_) {
            word = splitmix64(seed);
            seed += kGolden;
        }
    }

    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    static constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    uint64_t s_[4];
};

}  // namespace slipway
