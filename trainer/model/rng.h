#pragma once

#include <cstdint>

namespace slipway {

// Small deterministic generators written out here (not <random>) so that parameters and
// dropout masks are bit-identical across standard libraries, machines and backends.

// One step of SplitMix64 (Steele, Lea, Flood 2014): a strong 64-bit finalizer. Used as a
// counter-based hash: splitmix64(key + i * kGolden) is the i-th value of the stream `key`.
inline constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

constexpr uint64_t splitmix64(uint64_t x) {
    x += kGolden;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

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
