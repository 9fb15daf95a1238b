#include "data/batch_plan.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "common/rng.h"

namespace slipway {

std::vector<uint32_t> epoch_permutation(uint64_t seed, uint64_t epoch, size_t n) {
    if (n > std::numeric_limits<uint32_t>::max()) {
        throw std::invalid_argument("epoch_permutation: " + std::to_string(n) +
                                    " samples do not fit uint32 indices");
    }
    std::vector<uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    // Mixing seed and epoch separately keeps (seed, epoch + 1) and (seed + 1, epoch) apart.
    SplitMix64 rng(mix64(seed) ^ mix64(epoch ^ 0xD1B54A32D192ED03ULL));
    for (size_t i = n; i > 1; --i) {
        const uint32_t j = rng.bounded32(static_cast<uint32_t>(i));
        std::swap(order[i - 1], order[j]);
    }
    return order;
}

IndexRange even_split(size_t begin, size_t end, int parts, int index) {
    if (parts <= 0 || index < 0 || index >= parts || end < begin) {
        throw std::invalid_argument("even_split: bad arguments (parts " + std::to_string(parts) +
                                    ", index " + std::to_string(index) + ")");
    }
    const size_t size = end - begin;
    const auto p = static_cast<size_t>(parts);
    const auto i = static_cast<size_t>(index);
    const size_t base = size / p;
    const size_t remainder = size % p;
    const size_t first = begin + i * base + std::min(i, remainder);
    return {first, first + base + (i < remainder ? 1 : 0)};
}

BatchPlan::BatchPlan(size_t samples, size_t global_batch, int accumulate, int world)
    : samples_(samples), global_batch_(global_batch), accumulate_(accumulate), world_(world) {
    if (global_batch == 0 || accumulate < 1 || world < 1) {
        throw std::invalid_argument("BatchPlan: global batch, accumulate and world must be >= 1");
    }
}

size_t BatchPlan::steps_per_epoch() const { return (samples_ + global_batch_ - 1) / global_batch_; }

IndexRange BatchPlan::step_range(size_t step) const {
    if (step >= steps_per_epoch()) {
        throw std::out_of_range("BatchPlan: step " + std::to_string(step) + " of " +
                                std::to_string(steps_per_epoch()));
    }
    const size_t begin = step * global_batch_;
    return {begin, std::min(begin + global_batch_, samples_)};
}

IndexRange BatchPlan::micro_range(size_t step, int micro) const {
    const IndexRange range = step_range(step);
    return even_split(range.begin, range.end, accumulate_, micro);
}

IndexRange BatchPlan::rank_slice(size_t step, int micro, int rank) const {
    const IndexRange range = micro_range(step, micro);
    return even_split(range.begin, range.end, world_, rank);
}

}  // namespace slipway
