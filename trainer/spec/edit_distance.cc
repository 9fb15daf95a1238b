#include "spec/edit_distance.h"

#include <algorithm>
#include <cctype>

namespace slipway {

size_t edit_distance(std::string_view a, std::string_view b) {
    // Three rows suffice: a transposition looks two rows back.
    std::vector<size_t> two_back(b.size() + 1), prev(b.size() + 1), curr(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        curr[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            curr[j] = std::min({prev[j] + 1, curr[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                curr[j] = std::min(curr[j], two_back[j - 2] + 1);
            }
        }
        std::swap(two_back, prev);
        std::swap(prev, curr);
    }
    return prev[b.size()];
}

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
    const std::string needle = lower(word);
    const size_t limit = std::max<size_t>(2, needle.size() / 3);
    std::optional<std::string> best;
    size_t best_distance = 0;
    for (const std::string& candidate : candidates) {
        size_t distance = edit_distance(needle, lower(candidate));
        if (distance > limit || distance >= needle.size()) continue;
        if (!best || distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

std::string did_you_mean_hint(std::string_view word, const std::vector<std::string>& candidates) {
    if (auto match = closest_match(word, candidates)) return "did you mean '" + *match + "'?";
    std::string hint = "valid keys: ";
    for (size_t i = 0; i < candidates.size(); ++i) {
        if (i > 0) hint += ", ";
        hint += candidates[i];
    }
    return hint;
}

}  // namespace slipway
