#include "serve/model/pass_plan.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>

namespace slipway::serve {
namespace {

constexpr size_t kEverySizeUpTo = 8;
// Enough repetitions that the best of them is the pass itself, few enough that timing every
// candidate stays in the tens of milliseconds a version load can afford.
constexpr int kMinRepetitions = 5;
constexpr double kMinSecondsPerSize = 0.002;

}  // namespace

PassPlan::PassPlan(std::vector<Timing> timings, size_t largest_batch)
    : timings_(std::move(timings)) {
    std::sort(timings_.begin(), timings_.end(),
              [](const Timing& a, const Timing& b) { return a.rows < b.rows; });
    if (timings_.empty() || largest_batch == 0) return;
    first_piece_.assign(largest_batch + 1, 0);
    cost_.assign(largest_batch + 1, std::numeric_limits<double>::infinity());
    cost_[0] = 0;
    for (size_t batch = 1; batch <= largest_batch; ++batch) {
        for (const Timing& timing : timings_) {
            if (timing.rows > batch) break;
            const double cost = timing.seconds + cost_[batch - timing.rows];
            // Ties go to the larger piece: fewer calls.
            if (cost <= cost_[batch]) {
                cost_[batch] = cost;
                first_piece_[batch] = timing.rows;
            }
        }
        if (first_piece_[batch] == 0) {
            // No timed size fits (no 1-row timing): the batch runs as one pass.
            first_piece_[batch] = batch;
            cost_[batch] = 0;
        }
    }
}

std::vector<size_t> PassPlan::pieces(size_t rows) const {
    std::vector<size_t> out;
    if (rows == 0) return out;
    if (first_piece_.empty()) {
        out.push_back(rows);
        return out;
    }
    const size_t largest = first_piece_.size() - 1;
    while (rows > largest) {
        for (size_t left = largest; left > 0; left -= first_piece_[left]) {
            out.push_back(first_piece_[left]);
        }
        rows -= largest;
    }
    for (size_t left = rows; left > 0; left -= first_piece_[left]) {
        out.push_back(first_piece_[left]);
    }
    return out;
}

double PassPlan::estimated_seconds(size_t rows) const {
    if (cost_.empty()) return 0;
    const size_t largest = cost_.size() - 1;
    return static_cast<double>(rows / largest) * cost_[largest] + cost_[rows % largest];
}

std::string PassPlan::describe() const {
    if (timings_.empty()) return "one pass per batch (not timed)";
    std::string text;
    char item[64];
    for (const Timing& timing : timings_) {
        std::snprintf(item, sizeof(item), "%s%zu: %.1f us", text.empty() ? "" : ", ",
                      timing.rows, timing.seconds * 1e6);
        text += item;
    }
    // How the first batch sizes past the smallest timings are cut, as the short proof.
    for (size_t rows : {size_t{6}, size_t{16}}) {
        if (rows >= first_piece_.size()) continue;
        std::string split;
        for (size_t piece : pieces(rows)) {
            if (!split.empty()) split += '+';
            split += std::to_string(piece);
        }
        text += "; " + std::to_string(rows) + " rows -> " + split;
    }
    return text;
}

std::vector<size_t> candidate_pass_sizes(size_t largest_batch) {
    std::vector<size_t> sizes;
    for (size_t rows = 1; rows <= std::min(kEverySizeUpTo, largest_batch); ++rows) {
        sizes.push_back(rows);
    }
    for (size_t rows = 2 * kEverySizeUpTo; rows <= largest_batch; rows *= 2) sizes.push_back(rows);
    if (largest_batch > kEverySizeUpTo && sizes.back() != largest_batch) {
        sizes.push_back(largest_batch);
    }
    return sizes;
}

PassPlan time_passes(const std::function<void(size_t rows)>& run_pass, size_t largest_batch) {
    using Clock = std::chrono::steady_clock;
    std::vector<PassPlan::Timing> timings;
    for (size_t rows : candidate_pass_sizes(largest_batch)) {
        run_pass(rows);  // warm: workspace allocated, weights in cache
        double best = std::numeric_limits<double>::infinity();
        double spent = 0;
        for (int repetition = 0; repetition < kMinRepetitions || spent < kMinSecondsPerSize;
             ++repetition) {
            const auto start = Clock::now();
            run_pass(rows);
            const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
            best = std::min(best, seconds);
            spent += seconds;
        }
        timings.push_back({rows, best});
    }
    return PassPlan(std::move(timings), largest_batch);
}

}  // namespace slipway::serve
