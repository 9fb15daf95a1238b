#pragma once

#include <string>

#include "common/status.h"

namespace slipway {

// Human-readable description of any HDF5 file: each dataset with shape, dtype and chunking,
// the attributes on '/', and for int32 label datasets a histogram of the labels.
Result<std::string> describe_dataset_file(const std::string& path);

}  // namespace slipway
