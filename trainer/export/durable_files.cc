#include "export/durable_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace slipway {
namespace {

Error os_error(const std::string& path, const std::string& what, int error_number) {
    return Error{ExitCode::kBadCheckpoint, what + ": " + std::strerror(error_number), path,
                 "check that the model repository is on a writable volume with free space"};
}

Status write_all(int fd, const std::string& path, std::string_view bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return os_error(path, "write failed", errno);
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) return os_error(path, "fsync failed", errno);
    return Status::success();
}

Status write_file(const std::string& path, std::string_view bytes, int flags) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
    if (fd < 0) return os_error(path, "cannot create the file", errno);
    Status written = write_all(fd, path, bytes);
    if (::close(fd) != 0 && written.ok()) written = os_error(path, "close failed", errno);
    return written;
}

}  // namespace

Status write_new_file(const std::string& path, std::string_view bytes) {
    return write_file(path, bytes, O_EXCL);
}

Status replace_file(const std::string& path, std::string_view bytes) {
    const std::filesystem::path target(path);
    // Appends only: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
    std::string hidden = ".";
    hidden.append(target.filename().string()).append(".tmp");
    const std::string temp = (target.parent_path() / hidden).string();
    SLIPWAY_RETURN_IF_ERROR(write_file(temp, bytes, O_TRUNC));
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int error_number = errno;
        ::unlink(temp.c_str());
        return os_error(path, "rename from " + temp + " failed", error_number);
    }
    return Status::success();
}

Status sync_directory(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return os_error(dir, "cannot open the folder to sync it", errno);
    const bool synced = ::fsync(fd) == 0;
    const int error_number = errno;
    ::close(fd);
    if (!synced) return os_error(dir, "fsync of the folder failed", error_number);
    return Status::success();
}

Result<FileLock> FileLock::acquire(const std::string& path, std::chrono::milliseconds timeout) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return os_error(path, "cannot open the lock file", errno);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error_number = errno;
        if (error_number != EWOULDBLOCK && error_number != EINTR) {
            ::close(fd);
            return os_error(path, "flock failed", error_number);
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ::close(fd);
            return Error{ExitCode::kBadCheckpoint,
                         "another export has held the lock for " +
                             std::to_string(timeout.count() / 1000) + " s",
                         path,
                         "wait for it to finish; a process that holds the lock is still "
                         "running (`fuser " +
                             path + "` names it)"};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return FileLock(fd);
}

FileLock::~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace slipway
