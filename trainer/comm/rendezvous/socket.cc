#include "comm/rendezvous/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

namespace slipway::rdv {
namespace {

// Waits for `events` on fd until the deadline, one slice at a time so `interrupt` is asked at
// least every kPollSlice.
IoResult wait_for(int fd, short events, Clock::time_point deadline, const Interrupt& interrupt) {
    while (true) {
        if (interrupt && interrupt()) return {IoStatus::kInterrupted, "interrupted"};
        auto left = time_left(deadline);
        if (left.count() <= 0) return {IoStatus::kTimedOut, "timed out"};
        pollfd p{fd, events, 0};
        int rc = ::poll(&p, 1, static_cast<int>(std::min(left, kPollSlice).count()));
        if (rc < 0) {
            if (errno == EINTR) continue;
            return {IoStatus::kError, errno_text(errno)};
        }
        // POLLERR/POLLHUP: let the following send/recv report the actual error.
        if (rc > 0) return {};
    }
}

}  // namespace

Clock::time_point deadline_after(std::chrono::milliseconds duration) {
    auto now = Clock::now();
    if (duration.count() <= 0) return now;
    if (duration >= std::chrono::duration_cast<std::chrono::milliseconds>(
                        Clock::time_point::max() - now)) {
        return Clock::time_point::max();
    }
    return now + duration;
}

std::chrono::milliseconds time_left(Clock::time_point deadline) {
    auto now = Clock::now();
    if (deadline <= now) return std::chrono::milliseconds(0);
    // Round up so a few microseconds left still means one more (short) poll.
    return std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
}

std::string format_seconds(Clock::duration duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s",
                  std::chrono::duration<double>(duration).count());
    return text;
}

Fd& Fd::operator=(Fd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
}

void Fd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

IoResult send_all(int fd, const char* data, std::size_t size, Clock::time_point deadline,
                  const Interrupt& interrupt) {
    while (size > 0) {
        ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
        if (sent > 0) {
            data += sent;
            size -= static_cast<std::size_t>(sent);
            continue;
        }
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            IoResult waited = wait_for(fd, POLLOUT, deadline, interrupt);
            if (!waited.ok()) return waited;
            continue;
        }
        if (sent < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            return {IoStatus::kClosed, errno_text(errno)};
        }
        return {IoStatus::kError, errno_text(sent < 0 ? errno : EIO)};
    }
    return {};
}

IoResult recv_exact(int fd, char* data, std::size_t size, Clock::time_point deadline,
                    const Interrupt& interrupt) {
    while (size > 0) {
        ssize_t got = ::recv(fd, data, size, 0);
        if (got > 0) {
            data += got;
            size -= static_cast<std::size_t>(got);
            continue;
        }
        if (got == 0) return {IoStatus::kClosed, "connection closed by peer"};
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            IoResult waited = wait_for(fd, POLLIN, deadline, interrupt);
            if (!waited.ok()) return waited;
            continue;
        }
        if (errno == ECONNRESET) return {IoStatus::kClosed, errno_text(errno)};
        return {IoStatus::kError, errno_text(errno)};
    }
    return {};
}

Resolved resolve_ipv4(const std::string& host, int port, Clock::time_point deadline,
                      const Interrupt& interrupt) {
    struct Pending {
        std::mutex mutex;
        std::condition_variable done_cv;
        bool done = false;
        Resolved result;
    };
    auto pending = std::make_shared<Pending>();
    auto lookup = [pending, host, port] {
        addrinfo hints{};
        hints.ai_family = AF_INET;  // the server listens on IPv4 only
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* list = nullptr;
        std::string service = std::to_string(port);
        int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
        Resolved result;
        if (rc != 0) {
            result.error = rc == EAI_SYSTEM ? errno_text(errno) : ::gai_strerror(rc);
        } else {
            for (addrinfo* entry = list; entry != nullptr; entry = entry->ai_next) {
                if (entry->ai_family != AF_INET) continue;
                sockaddr_in address{};
                std::memcpy(&address, entry->ai_addr, sizeof address);
                result.addresses.push_back(address);
            }
            ::freeaddrinfo(list);
            if (result.addresses.empty()) result.error = "no IPv4 address";
        }
        std::lock_guard lock(pending->mutex);
        pending->result = std::move(result);
        pending->done = true;
        pending->done_cv.notify_all();
    };
    try {
        std::thread(lookup).detach();
    } catch (const std::system_error&) {
        lookup();  // no thread to spare: resolve inline rather than not at all
    }

    std::unique_lock lock(pending->mutex);
    while (!pending->done) {
        if (interrupt && interrupt()) {
            Resolved result;
            result.interrupted = true;
            return result;
        }
        auto left = time_left(deadline);
        if (left.count() <= 0) {
            Resolved result;
            result.error = "the resolver did not answer in time";
            return result;
        }
        pending->done_cv.wait_for(lock, std::min(left, kPollSlice));
    }
    return pending->result;
}

Fd connect_to(const sockaddr_in& address, Clock::time_point deadline, const Interrupt& interrupt,
              std::string* error, bool* interrupted) {
    *interrupted = false;
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        *error = errno_text(errno);
        return {};
    }
    int rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    if (rc != 0 && errno != EINPROGRESS) {
        *error = errno_text(errno);
        return {};
    }
    if (rc != 0) {
        IoResult waited = wait_for(fd.get(), POLLOUT, deadline, interrupt);
        if (waited.status == IoStatus::kInterrupted) {
            *interrupted = true;
            return {};
        }
        if (waited.status == IoStatus::kTimedOut) {
            *error = "connect timed out";
            return {};
        }
        if (!waited.ok()) {
            *error = waited.error;
            return {};
        }
        int so_error = 0;
        socklen_t length = sizeof so_error;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &length) != 0) {
            so_error = errno;
        }
        if (so_error != 0) {
            *error = errno_text(so_error);
            return {};
        }
    }
    set_no_delay(fd.get());
    return fd;
}

void set_no_delay(int fd) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

std::string ip_text(const in_addr& address) {
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &address, text, sizeof text);
    return text;
}

std::string endpoint_text(const sockaddr_in& address) {
    return ip_text(address.sin_addr) + ":" + std::to_string(ntohs(address.sin_port));
}

bool is_local_address(const in_addr& address) {
    Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return false;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr = address;
    local.sin_port = 0;
    return ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) == 0;
}

std::string outbound_address_toward(const sockaddr_in& remote) {
    Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return {};
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0) {
        return {};
    }
    return local_ip_of(fd.get());
}

std::string local_ip_of(int fd) {
    sockaddr_in local{};
    socklen_t length = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0 ||
        local.sin_family != AF_INET) {
        return {};
    }
    return ip_text(local.sin_addr);
}

bool is_loopback_peer(int fd) {
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0 ||
        peer.sin_family != AF_INET) {
        return false;
    }
    return (ntohl(peer.sin_addr.s_addr) >> 24) == 127;
}

bool peer_closed(int fd) {
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, 0);
    if (rc <= 0) return false;
    return (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

}  // namespace slipway::rdv
