#pragma once

#include <string>
#include <utility>
#include <vector>

#include "metrics/training_observer.h"

namespace slipway::tracking {

// The scalar series every tracker reports, under one set of names (TensorBoard tags and
// MLflow metric keys alike): train/loss, train/accuracy (classification), train/learning_rate,
// train/samples_per_sec, train/grad_norm at the log cadence; test/loss, test/accuracy,
// train/epoch_loss at each evaluation. Values that do not apply (NaN) are left out.
using Scalars = std::vector<std::pair<std::string, double>>;

Scalars train_scalars(const TrainRecord& record);
Scalars eval_scalars(const EvalRecord& record);

}  // namespace slipway::tracking
