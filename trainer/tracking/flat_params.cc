#include "tracking/flat_params.h"

namespace slipway::tracking {
namespace {

void flatten(const nlohmann::json& node, const std::string& prefix, size_t max_value,
             std::vector<std::pair<std::string, std::string>>& out) {
    if (node.is_object() && !node.empty()) {
        for (const auto& [key, child] : node.items()) {
            flatten(child, prefix.empty() ? key : prefix + "." + key, max_value, out);
        }
        return;
    }
    std::string value = node.is_string() ? node.get<std::string>() : node.dump();
    if (value.size() > max_value) value.resize(max_value);
    out.emplace_back(prefix, std::move(value));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> flat_params(const nlohmann::json& object,
                                                             size_t max_value) {
    std::vector<std::pair<std::string, std::string>> out;
    flatten(object, "", max_value, out);
    return out;  // nlohmann's objects iterate in key order, so `out` is sorted
}

}  // namespace slipway::tracking
