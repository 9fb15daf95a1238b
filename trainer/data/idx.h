#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace slipway {

// The IDX format of (Fashion-)MNIST: a big-endian header (magic 0x00000803 for 3-D ubyte
// images, 0x00000801 for 1-D ubyte labels, then the dimensions) followed by the bytes.
// Files may be gzipped or plain (zlib reads both).
inline constexpr uint32_t kIdxImagesMagic = 0x00000803;
inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;

struct IdxImages {
    size_t count = 0;
    size_t rows = 0;
    size_t cols = 0;
    std::vector<uint8_t> pixels;  // count x rows x cols
};

// A missing file, wrong magic, or a stream that ends early or fails its checksum is an Error
// (exit 3) naming the file and, for short data, the byte counts.
Result<IdxImages> read_idx_images(const std::string& path);
Result<std::vector<uint8_t>> read_idx_labels(const std::string& path);

}  // namespace slipway
