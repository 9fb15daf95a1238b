#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "data/dataset.h"

namespace slipway {

enum class CsvTask { kAuto, kClassification, kRegression };

struct CsvOptions {
    std::string label_column;           // header name of the label column (required)
    double test_fraction = 0.2;         // in [0, 1): rows held out as /test
    uint64_t seed = 42;                 // shuffles rows before the split
    CsvTask task = CsvTask::kAuto;      // auto: classification when every label is an integer >= 0
    std::optional<int> num_classes;     // classification: labels must lie in [0, num_classes)
};

// Reads a numeric CSV with a header line. A bad cell is an Error (exit 3) naming
// "file:line" and the column; so are ragged rows, an unknown label column and bad labels.
Result<Dataset> read_csv_dataset(const std::string& path, const CsvOptions& options);

}  // namespace slipway
