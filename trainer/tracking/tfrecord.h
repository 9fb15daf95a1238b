#pragma once

#include <string>
#include <string_view>

namespace slipway::tracking {

// One TFRecord: uint64 length (little-endian), masked CRC-32C of those 8 bytes, the data,
// masked CRC-32C of the data (both CRCs uint32 little-endian). TensorBoard event files are a
// sequence of these, each holding one serialized Event.
std::string tfrecord_frame(std::string_view data);

}  // namespace slipway::tracking
