#include "checkpoint/directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "checkpoint/checkpoint.h"
#include "checkpoint/format.h"

namespace slipway {
namespace checkpoint_format {
namespace {

struct DirEntry {
    std::string name;
    std::filesystem::path path;
    bool regular = false;
};

// The entries of `dir`, empty when it cannot be read. Never throws: the range-for form of
// directory_iterator throws when a later readdir fails.
std::vector<DirEntry> read_dir(const std::string& dir) {
    std::vector<DirEntry> entries;
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        std::error_code type_ec;
        entries.push_back(
            {it->path().filename().string(), it->path(), it->is_regular_file(type_ec)});
    }
    return entries;
}

}  // namespace

Status sync_directory(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    if (fd < 0) {
        return checkpoint_error(dir, std::string("cannot open to fsync: ") + std::strerror(errno));
    }
    const int rc = ::fsync(fd);
    const int saved_errno = errno;
    ::close(fd);
    if (rc != 0) {
        return checkpoint_error(dir, std::string("fsync failed: ") + std::strerror(saved_errno),
                                "is the disk full or failing?");
    }
    return Status::success();
}

void prune_checkpoints(const std::string& dir, int keep, const std::string& written) {
    std::error_code ignored;
    const std::vector<std::string> newest_first = list_checkpoints(dir);
    const size_t kept = static_cast<size_t>(std::max(keep, 1));
    for (size_t i = kept; i < newest_first.size(); ++i) {
        // A checkpoint with a higher step than the one just written (left by an earlier run
        // that got further, or an unreadable one that resume skipped) must not push it out.
        if (newest_first[i] != written) std::filesystem::remove(newest_first[i], ignored);
    }
    const long self = static_cast<long>(::getpid());
    for (const DirEntry& entry : read_dir(dir)) {
        const auto pid = parse_temp_name(entry.name);
        if (pid && *pid != self) std::filesystem::remove(entry.path, ignored);
    }
}

}  // namespace checkpoint_format

std::vector<std::string> list_checkpoints(const std::string& dir) {
    std::vector<std::pair<uint64_t, std::string>> found;
    for (const auto& entry : checkpoint_format::read_dir(dir)) {
        const auto step = checkpoint_format::parse_checkpoint_name(entry.name);
        if (step && entry.regular) found.emplace_back(*step, entry.path.string());
    }
    // Highest step first; equal steps ("ckpt-7.h5", "ckpt-007.h5") in a fixed order.
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<std::string> paths;
    paths.reserve(found.size());
    for (auto& [step, path] : found) paths.push_back(std::move(path));
    return paths;
}

std::optional<std::pair<std::string, CheckpointState>> load_newest_checkpoint(
    const std::string& dir, const SkipReporter& skipped) {
    for (const std::string& path : list_checkpoints(dir)) {
        Result<CheckpointState> state = read_checkpoint(path);
        if (state.ok()) return std::make_pair(path, std::move(state).value());
        if (skipped) skipped(path, state.error());
    }
    return std::nullopt;
}

}  // namespace slipway
