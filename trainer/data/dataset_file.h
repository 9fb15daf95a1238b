#pragma once

#include <string>

#include "common/status.h"
#include "data/dataset.h"

namespace slipway {

// Writes the DESIGN.md layout: /train/x float32 [N,F], /train/y int32 [N] or float32 [N]/[N,T],
// /test alike, chunked by rows (and deflate-compressed); attributes on '/': num_classes,
// class_names (when present), feature_mean, feature_std. Written to "<path>.tmp" and renamed.
Status write_dataset_file(const std::string& path, const Dataset& dataset);

// Reads a whole file into memory and validates it: shapes agree, labels in [0, num_classes),
// x and regression targets finite, feature_mean finite and feature_std finite and >= 0, both
// sized by features (the first bad row/entry is named). Missing file, wrong layout or bad values -> Error (exit 3) that
// names the file and the dataset or attribute.
Result<Dataset> read_dataset_file(const std::string& path);

}  // namespace slipway
