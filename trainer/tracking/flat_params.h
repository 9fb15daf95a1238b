#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace slipway::tracking {

// A JSON object as MLflow params: nested keys joined with '.', strings as they are, other
// leaves (numbers, booleans, arrays, null) as compact JSON: {"train": {"optimizer": {"lr":
// 0.05}}, "model": {"hidden": [256, 256]}} -> train.optimizer.lr = 0.05, model.hidden =
// [256,256]. Sorted by key. Values longer than `max_value` characters are cut there (MLflow
// servers before 2.x refuse params over 500 characters).
std::vector<std::pair<std::string, std::string>> flat_params(const nlohmann::json& object,
                                                             size_t max_value = 500);

}  // namespace slipway::tracking
