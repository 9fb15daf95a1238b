#pragma once

#include "common/status.h"
#include "data/dataset.h"
#include "model/mlp_config.h"
#include "spec/job_spec.h"

namespace slipway {

// Resolves the spec's model against the data: input width from the features, outputs from
// num_classes (classification) or the target width (regression), "auto" loss and init made
// concrete. A loss that does not fit the labels is an Error (exit 2) naming model.loss.
Result<MlpConfig> resolve_model(const JobSpec& spec, const Dataset& data);

}  // namespace slipway
