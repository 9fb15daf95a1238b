#pragma once

#include <string>

#include "common/status.h"
#include "data/dataset.h"

namespace slipway {

inline constexpr const char* kFashionMnistDefaultDir = "/usr/share/datasets/fashion-mnist";

// Reads the four gzipped IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
// t10k-...) from dir: pixels scaled to [0,1], labels int32, class names, num_classes = 10,
// feature mean/std over train. Truncated gzip, wrong magic, mismatched counts and labels
// outside [0,10) are Errors (exit 3) naming the file and what is wrong.
Result<Dataset> read_fashion_mnist(const std::string& dir);

}  // namespace slipway
