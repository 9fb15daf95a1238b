#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace slipway {

namespace {

class GzFile {
 public:
    explicit GzFile(const std::string& path) : file_(gzopen(path.c_str(), "rb")) {}
    ~GzFile() {
        if (file_) gzclose(file_);
    }
    GzFile(const GzFile&) = delete;
    GzFile& operator=(const GzFile&) = delete;
    gzFile get() const { return file_; }

 private:
    gzFile file_;
};

std::string hex32(uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof(text), "0x%08X", value);
    return text;
}

// Reads exactly `count` bytes, appending to `out`. Reading in slices means a header that
// claims billions of items costs memory only for bytes that really are there.
Status read_exact(GzFile& gz, const std::string& path, const std::string& what, size_t count,
                  std::vector<uint8_t>& out) {
    constexpr size_t kSlice = 1u << 20;
    const size_t start = out.size();
    out.reserve(start + std::min(count, size_t{256} << 20));
    size_t done = 0;
    while (done < count) {
        const size_t want = std::min(kSlice, count - done);
        out.resize(start + done + want);
        const int got = gzread(gz.get(), out.data() + start + done, static_cast<unsigned>(want));
        int code = Z_OK;
        const char* message = gzerror(gz.get(), &code);
        if (got < 0 || (code != Z_OK && code != Z_STREAM_END)) {
            out.resize(start + done);
            std::string reason = code == Z_ERRNO ? std::strerror(errno) : message;
            return data_error(path,
                              "truncated or corrupt gzip data while reading " + what +
                                  ": expected " + std::to_string(count) + " bytes, got " +
                                  std::to_string(done + std::max(got, 0)) + " (" + reason + ")",
                              "download the file again");
        }
        done += static_cast<size_t>(got);
        if (static_cast<size_t>(got) < want) {
            out.resize(start + done);
            return data_error(path,
                              "truncated: expected " + std::to_string(count) + " bytes of " + what +
                                  ", got " + std::to_string(done),
                              "download the file again");
        }
    }
    return Status::success();
}

uint32_t big_endian32(const uint8_t* bytes) {
    return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
           uint32_t{bytes[3]};
}

Status check_openable(const std::string& path, const GzFile& gz) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return data_error(path, "file not found");
    if (!gz.get()) return data_error(path, std::string("cannot open: ") + std::strerror(errno));
    return Status::success();
}

// Reads and checks the magic, then the `dims` dimension words that follow it.
Result<std::vector<uint32_t>> read_header(GzFile& gz, const std::string& path, uint32_t magic,
                                          size_t dims) {
    // The magic first, so that a file of the other kind is reported as such rather than as
    // a short header.
    std::vector<uint8_t> bytes;
    SLIPWAY_RETURN_IF_ERROR(read_exact(gz, path, "the IDX magic", 4, bytes));
    const uint32_t found = big_endian32(bytes.data());
    if (found != magic) {
        return data_error(path, "wrong IDX magic " + hex32(found) + ", expected " + hex32(magic),
                          magic == kIdxImagesMagic ? "expected a ubyte image file (3-D)"
                                                   : "expected a ubyte label file (1-D)");
    }
    SLIPWAY_RETURN_IF_ERROR(read_exact(gz, path, "the IDX header", 4 * dims, bytes));
    std::vector<uint32_t> header;
    for (size_t i = 0; i < dims; ++i) header.push_back(big_endian32(bytes.data() + 4 * (i + 1)));
    return header;
}

}  // namespace

Result<IdxImages> read_idx_images(const std::string& path) {
    GzFile gz(path);
    SLIPWAY_RETURN_IF_ERROR(check_openable(path, gz));
    auto header = read_header(gz, path, kIdxImagesMagic, 3);
    SLIPWAY_RETURN_IF_ERROR(header);
    IdxImages images;
    images.count = (*header)[0];
    images.rows = (*header)[1];
    images.cols = (*header)[2];
    if (images.rows == 0 || images.cols == 0) {
        return data_error(path, "images of " + std::to_string(images.rows) + "x" +
                                    std::to_string(images.cols) + " pixels");
    }
    SLIPWAY_RETURN_IF_ERROR(
        read_exact(gz, path, "pixels", images.count * images.rows * images.cols, images.pixels));
    return images;
}

Result<std::vector<uint8_t>> read_idx_labels(const std::string& path) {
    GzFile gz(path);
    SLIPWAY_RETURN_IF_ERROR(check_openable(path, gz));
    auto header = read_header(gz, path, kIdxLabelsMagic, 1);
    SLIPWAY_RETURN_IF_ERROR(header);
    std::vector<uint8_t> labels;
    SLIPWAY_RETURN_IF_ERROR(read_exact(gz, path, "labels", (*header)[0], labels));
    return labels;
}

}  // namespace slipway
