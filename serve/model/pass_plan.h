#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace slipway::serve {

// How a batch of rows is cut into forward passes. BLAS does not cost the same per row at every
// size: OpenBLAS 0.3.21 here runs 4 rows of the 784-256-256-10 model in 21 us (its small-matrix
// kernel) and 5 to 8 rows in 88-105 us (repacking all weights per call), 5.3 against 11-18 us
// a row; where the crossovers lie depends on the CPU and the BLAS build. So the server times
// one pass of each candidate size when it loads a version and splits every batch into the
// pieces that cost least in total (docs/serving.md "Forward pass").
class PassPlan {
 public:
    struct Timing {
        size_t rows = 0;
        double seconds = 0;  // one forward pass of exactly `rows` rows
    };

    // One pass per batch, whatever its size: what a model without timings does.
    PassPlan() = default;

    // From the measured pass times; batches of up to `largest_batch` rows get a precomputed
    // plan, larger ones are cut into plans of that size first.
    PassPlan(std::vector<Timing> timings, size_t largest_batch);

    // The row counts of the passes for a batch of `rows` rows, in order; they sum to `rows`.
    std::vector<size_t> pieces(size_t rows) const;

    // The estimated seconds of a batch of `rows` rows under this plan (0 without timings).
    double estimated_seconds(size_t rows) const;

    // "1: 14.0 us, 2: 15.4 us, 4: 21.0 us, ...; 6 rows -> 4+2".
    std::string describe() const;

    const std::vector<Timing>& timings() const { return timings_; }

 private:
    std::vector<Timing> timings_;
    // For every batch size b <= largest: the first piece of the cheapest split and its cost.
    std::vector<size_t> first_piece_;
    std::vector<double> cost_;
};

// The candidate pass sizes worth timing for batches of up to `largest_batch` rows: every size
// up to 8 (where small-matrix kernels switch on and off), then powers of two.
std::vector<size_t> candidate_pass_sizes(size_t largest_batch);

// Times `run_pass(rows)` for each candidate size (the best of a few repetitions, so a stolen
// time slice does not count) and builds the plan.
PassPlan time_passes(const std::function<void(size_t rows)>& run_pass, size_t largest_batch);

}  // namespace slipway::serve
