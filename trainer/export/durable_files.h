#pragma once

// File-system steps of publishing a model version: durable writes, directory syncs and an
// exclusive lock. Failures are Errors with code kBadCheckpoint (exit 4: "bad model
// repository") naming the path and the OS's reason.

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace slipway {

// Creates `path` (which must not exist), writes `bytes`, fsyncs and closes it.
Status write_new_file(const std::string& path, std::string_view bytes);

// Writes `path` through `<dir>/.<name>.tmp` (truncated if a killed writer left it), fsync and
// rename, so readers see the old or the new content, never a mix. Callers serialise writers.
Status replace_file(const std::string& path, std::string_view bytes);

// fsync() of a directory, which makes renames and new entries in it durable.
Status sync_directory(const std::string& dir);

// An exclusive flock() on `path` (created if missing), released by the destructor. flock
// locks belong to the open file, so two threads of one process exclude each other too.
class FileLock {
 public:
    // Tries every few milliseconds until `timeout`, then fails naming the path.
    static Result<FileLock> acquire(const std::string& path, std::chrono::milliseconds timeout);

    FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    FileLock& operator=(FileLock&&) = delete;
    FileLock(const FileLock&) = delete;
    ~FileLock();

 private:
    explicit FileLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace slipway
