#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace slipway::tracking {

// TensorBoard's Event message (tensorflow/core/util/event.proto), the fields slipway writes:
//   Event   { double wall_time = 1; int64 step = 2;
//             oneof what { string file_version = 3; Summary summary = 5; } }
//   Summary { repeated Value value = 1; }
//   Value   { string tag = 1; float simple_value = 2; }
// simple_value scalars are what TensorBoard's scalar dashboard and EventAccumulator read.

// The first event of every file: file_version "brain.Event:2".
std::string file_version_event(double wall_time);

// One event carrying a scalar per (tag, value), all at `step`.
std::string scalars_event(double wall_time, int64_t step,
                          const std::vector<std::pair<std::string, float>>& scalars);

}  // namespace slipway::tracking
