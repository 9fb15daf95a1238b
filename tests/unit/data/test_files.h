#pragma once

// Helpers shared by the data tests: a scratch directory and writers for the input formats.

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace slipway::testing {

inline void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

inline void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
    gzFile file = gzopen(path.c_str(), "wb");
    if (!file) throw std::runtime_error("gzopen failed: " + path);
    if (!bytes.empty()) gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(file);
}

inline void put_be32(std::vector<uint8_t>& out, uint32_t value) {
    out.push_back(static_cast<uint8_t>(value >> 24));
    out.push_back(static_cast<uint8_t>(value >> 16));
    out.push_back(static_cast<uint8_t>(value >> 8));
    out.push_back(static_cast<uint8_t>(value));
}

// An IDX image file: header (magic, count, rows, cols) then `pixels` as given, so a test can
// make the header and the data disagree.
inline void write_idx_images(const std::string& path, uint32_t count, uint32_t rows, uint32_t cols,
                             const std::vector<uint8_t>& pixels, uint32_t magic = 0x00000803) {
    std::vector<uint8_t> bytes;
    put_be32(bytes, magic);
    put_be32(bytes, count);
    put_be32(bytes, rows);
    put_be32(bytes, cols);
    bytes.insert(bytes.end(), pixels.begin(), pixels.end());
    write_gz(path, bytes);
}

inline void write_idx_labels(const std::string& path, uint32_t count,
                             const std::vector<uint8_t>& labels, uint32_t magic = 0x00000801) {
    std::vector<uint8_t> bytes;
    put_be32(bytes, magic);
    put_be32(bytes, count);
    bytes.insert(bytes.end(), labels.begin(), labels.end());
    write_gz(path, bytes);
}

}  // namespace slipway::testing
