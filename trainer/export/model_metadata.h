#pragma once

// slipway.json, next to each exported model.onnx (docs/export.md "slipway.json"): what a
// client or a server needs besides the graph: tensor names and shapes (-1: the batch),
// class names, the test metrics, the recipe hash, when and from which checkpoint it was made.
// The repository adds "version" when it picks the number.

#include <nlohmann/json.hpp>
#include <string>

#include "checkpoint/checkpoint.h"
#include "spec/job_spec.h"

namespace slipway {

struct MetadataSource {
    const CheckpointState* state = nullptr;
    const JobSpec* spec = nullptr;  // parsed from the checkpoint's spec text
    std::string checkpoint_path;    // absolute
    std::string model_name;
    std::string created;  // UTC ISO-8601, utc_now_iso8601()
};

nlohmann::json model_metadata(const MetadataSource& source);

// "2025-06-01T12:34:56Z"
std::string utc_now_iso8601();

}  // namespace slipway
