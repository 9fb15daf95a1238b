#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace slipway {

// The order of samples in one epoch: a permutation of [0, n) that every rank derives from
// (seed, epoch) alone, so ranks agree without communicating. Same inputs, same permutation,
// on any machine (no std:: distributions, which differ between standard libraries).
std::vector<uint32_t> epoch_permutation(uint64_t seed, uint64_t epoch, size_t n);

struct IndexRange {
    size_t begin = 0;
    size_t end = 0;
    size_t size() const { return end - begin; }
};

// How one epoch splits into optimizer steps, micro-batches and rank slices.
// Step s covers permutation positions [s*B, min((s+1)*B, n)); the last step may be short and
// is kept. Each step splits into `accumulate` micro-batches as evenly as possible, and each
// micro-batch into `world` contiguous rank slices as evenly as possible (earlier ranks take
// the remainder). Ranges are positions in the permutation.
class BatchPlan {
public:
    BatchPlan(size_t samples, size_t global_batch, int accumulate, int world);

    size_t steps_per_epoch() const;
    IndexRange step_range(size_t step) const;
    IndexRange micro_range(size_t step, int micro) const;
    IndexRange rank_slice(size_t step, int micro, int rank) const;
    int accumulate() const { return accumulate_; }

private:
    size_t samples_;
    size_t global_batch_;
    int accumulate_;
    int world_;
};

// Splits [0, n) into `parts` contiguous pieces as evenly as possible; piece `index`.
IndexRange even_split(size_t begin, size_t end, int parts, int index);

}  // namespace slipway
