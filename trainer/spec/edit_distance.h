#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slipway {

// Damerau-Levenshtein distance (optimal string alignment): insertions, deletions,
// substitutions and transpositions of adjacent characters each cost 1, so the usual typos
// ("trian", "optimzer") are one edit away.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` (case-insensitive), or nothing when none is close enough to
// be a plausible typo: distance <= max(2, |word| / 3) and less than |word|, so that a short
// word is never "corrected" into an unrelated one. Ties go to the earliest candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// "did you mean 'x'?" when closest_match finds one, else "valid keys: a, b, c".
std::string did_you_mean_hint(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace slipway
