#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "serve/model/inference_model.h"

namespace slipway::serve {

// Loads <repository>/<name>/<version>/model.onnx with the exporter's reader (any graph that
// slipway-train did not export is refused, naming the operator) into the trainer's model
// code. Errors carry exit code 4 and the file.
Result<std::shared_ptr<InferenceModel>> load_version(const std::string& repository,
                                                     const std::string& name, int64_t version,
                                                     size_t max_rows);

}  // namespace slipway::serve
