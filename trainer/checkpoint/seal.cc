#include "checkpoint/seal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "checkpoint/format.h"

namespace slipway::checkpoint_format {
namespace {

constexpr char kSealPrefix[] = "slipway-checkpoint ";
constexpr uint64_t kSealVersion = 1;

std::string hex8(uint32_t value) {
    char text[9];
    std::snprintf(text, sizeof(text), "%08" PRIx32, value);
    return text;
}

std::string seal_block(uint64_t version, uint64_t size, uint32_t crc) {
    const std::string line = kSealPrefix + std::to_string(version) +
                             " size=" + std::to_string(size) + " crc32=" + hex8(crc) + "\n";
    std::string block(kSealBytes, '\0');
    block.replace(0, std::min(line.size(), block.size()), line, 0, block.size());
    return block;
}

struct SealLine {
    uint64_t version = 0;
    uint64_t size = 0;
    uint32_t crc = 0;
};

// The numbers of a seal line; nothing when the line is not in the form above. Strict: the
// caller also compares the whole block with the one these numbers make.
std::optional<SealLine> parse_seal(std::string_view block) {
    SealLine seal;
    std::string_view rest = block.substr(sizeof(kSealPrefix) - 1);
    auto field = [&rest](auto& value, std::string_view after, int base) {
        auto [next, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value, base);
        if (ec != std::errc() || next == rest.data()) return false;
        rest.remove_prefix(static_cast<size_t>(next - rest.data()));
        if (!rest.starts_with(after)) return false;
        rest.remove_prefix(after.size());
        return true;
    };
    if (!field(seal.version, " size=", 10) || !field(seal.size, " crc32=", 10) ||
        !field(seal.crc, "\n", 16)) {
        return std::nullopt;
    }
    return seal;
}

Error io_error(const std::string& path, const char* what) {
    return checkpoint_error(path, std::string(what) + ": " + std::strerror(errno));
}

// Closes the descriptor at scope exit.
class Fd {
 public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

 private:
    int fd_;
};

// Reads exactly `count` bytes at `offset`; false with errno set (0 at end of file) otherwise.
bool read_at(int fd, void* data, size_t count, uint64_t offset) {
    auto* out = static_cast<unsigned char*>(data);
    while (count > 0) {
        const ssize_t n = ::pread(fd, out, count, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = 0;
            return false;
        }
        out += n;
        offset += static_cast<uint64_t>(n);
        count -= static_cast<size_t>(n);
    }
    return true;
}

// CRC-32 of bytes [kSealBytes, size) of `fd`.
Result<uint32_t> crc_after_seal(int fd, uint64_t size, const std::string& path) {
    std::vector<unsigned char> buffer(size_t{1} << 20);
    uLong crc = crc32(0, Z_NULL, 0);
    for (uint64_t offset = kSealBytes; offset < size;) {
        const size_t count = static_cast<size_t>(std::min<uint64_t>(buffer.size(), size - offset));
        if (!read_at(fd, buffer.data(), count, offset)) return io_error(path, "read failed");
        crc = crc32_z(crc, buffer.data(), count);
        offset += count;
    }
    return static_cast<uint32_t>(crc);
}

Result<uint64_t> file_size(int fd, const std::string& path) {
    struct stat info {};
    if (::fstat(fd, &info) != 0) return io_error(path, "fstat failed");
    return static_cast<uint64_t>(info.st_size);
}

}  // namespace

Status seal_file(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (fd.get() < 0) return io_error(path, "cannot open to seal");
    auto size = file_size(fd.get(), path);
    SLIPWAY_RETURN_IF_ERROR(size);
    if (*size < kSealBytes) return checkpoint_error(path, "too short to seal: no userblock?");
    auto crc = crc_after_seal(fd.get(), *size, path);
    SLIPWAY_RETURN_IF_ERROR(crc);
    const std::string block = seal_block(kSealVersion, *size, *crc);
    if (::pwrite(fd.get(), block.data(), block.size(), 0) != static_cast<ssize_t>(block.size())) {
        return io_error(path, "cannot write the seal");
    }
    // HDF5 only handed its data to the kernel; fsync makes the file durable before the rename
    // makes it visible, so a crash never leaves a renamed but empty or partial file.
    if (::fsync(fd.get()) != 0) return io_error(path, "fsync failed");
    return Status::success();
}

Result<Seal> check_seal(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return io_error(path, "cannot open");
    auto size = file_size(fd.get(), path);
    SLIPWAY_RETURN_IF_ERROR(size);
    std::string block(kSealBytes, '\0');
    const size_t head = static_cast<size_t>(std::min<uint64_t>(*size, kSealBytes));
    if (!read_at(fd.get(), block.data(), head, 0)) return io_error(path, "read failed");
    if (block.compare(0, sizeof(kSealPrefix) - 1, kSealPrefix) != 0) return Seal::kAbsent;

    const std::optional<SealLine> seal = parse_seal(block);
    if (!seal || block != seal_block(seal->version, seal->size, seal->crc)) {
        return checkpoint_error(path, "damaged checkpoint header (torn or truncated?)");
    }
    if (seal->version != kSealVersion) {
        return checkpoint_error(path, "checkpoint header version " + std::to_string(seal->version) +
                                          " is not supported (this build reads version " +
                                          std::to_string(kSealVersion) + ")");
    }
    if (seal->size != *size) {
        return checkpoint_error(path, "file has " + std::to_string(*size) +
                                          " bytes, its header says " + std::to_string(seal->size) +
                                          " (torn or truncated)");
    }
    auto crc = crc_after_seal(fd.get(), *size, path);
    SLIPWAY_RETURN_IF_ERROR(crc);
    if (*crc != seal->crc) {
        return checkpoint_error(path, "checksum mismatch: file is corrupt",
                                "whole-file CRC-32 differs from the header");
    }
    return Seal::kValid;
}

}  // namespace slipway::checkpoint_format
