#pragma once

#include <string>
#include <vector>

#include "serve/protocol/predictions.h"

namespace slipway::serve {

// The /predict answer. One row ("features"):
//   {"class": 3, "label": "Dress", "probabilities": [...], "model": "fmnist", "version": 2}
// Several ("instances"): {"predictions": [{"class", "label", "probabilities"}, ...],
//   "model": ..., "version": ...}. Labels come from the model's class names ("3" without).
// A regression model answers {"predictions": [targets...]} per row instead of class, label
// and probabilities.
std::string predict_response_body(const Predictions& predictions,
                                  const std::vector<std::string>& class_names, bool single);

}  // namespace slipway::serve
