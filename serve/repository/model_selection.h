#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace slipway::serve {

// The model to serve from a Triton-layout repository: `name` when given (its folder must
// exist), else the repository's only model folder. Errors (exit 4) say what the repository
// holds: missing folder, no model, several models without --model, an unknown name.
Result<std::string> select_model(const std::string& repository,
                                 const std::optional<std::string>& name);

}  // namespace slipway::serve
