#pragma once

// Socket plumbing of the rendezvous: every blocking step is a poll() of at most kPollSlice, so
// a wait notices SIGTERM (or a server shutting down) within 100 ms and never outlives its
// deadline by more than that.

#include <netinet/in.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace slipway::rdv {

using Clock = std::chrono::steady_clock;

inline constexpr std::chrono::milliseconds kPollSlice{100};

// now + duration, saturating: a bound of "300 days" must not wrap around.
Clock::time_point deadline_after(std::chrono::milliseconds duration);

// Milliseconds left until `deadline`, never negative.
std::chrono::milliseconds time_left(Clock::time_point deadline);

// "2.5 s", for messages.
std::string format_seconds(Clock::duration duration);

// Asked at least every kPollSlice; returning true abandons the wait.
using Interrupt = std::function<bool()>;

// Owns one file descriptor.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

enum class IoStatus { kOk, kClosed, kTimedOut, kInterrupted, kError, kTooLarge };

struct IoResult {
    IoStatus status = IoStatus::kOk;
    std::string error;  // what went wrong, for messages ("Connection reset by peer")

    bool ok() const { return status == IoStatus::kOk; }
};

// Both work on non-blocking sockets; send uses MSG_NOSIGNAL (a vanished peer is an error, not
// a SIGPIPE that kills the trainer).
IoResult send_all(int fd, const char* data, std::size_t size, Clock::time_point deadline,
                  const Interrupt& interrupt);
IoResult recv_exact(int fd, char* data, std::size_t size, Clock::time_point deadline,
                    const Interrupt& interrupt);

struct Resolved {
    std::vector<sockaddr_in> addresses;
    std::string error;         // resolver error text when `addresses` is empty
    bool interrupted = false;
};

// IPv4 addresses of `host` (a name or dotted quad). getaddrinfo() cannot be interrupted and a
// silent DNS server stalls it for many seconds, so it runs on a detached helper thread that
// owns its inputs and result; the caller stops waiting at the deadline or on interrupt.
Resolved resolve_ipv4(const std::string& host, int port, Clock::time_point deadline,
                      const Interrupt& interrupt);

// A non-blocking TCP connect bounded by `deadline`. On success the socket is non-blocking,
// close-on-exec, with TCP_NODELAY (the store sends small request/reply pairs).
Fd connect_to(const sockaddr_in& address, Clock::time_point deadline, const Interrupt& interrupt,
              std::string* error, bool* interrupted);

void set_no_delay(int fd);

std::string errno_text(int error);
std::string ip_text(const in_addr& address);
std::string endpoint_text(const sockaddr_in& address);  // "10.0.0.3:29500"

// Whether `address` belongs to this host (bind() to it succeeds).
bool is_local_address(const in_addr& address);

// The local address the kernel routes through toward `remote` (connect() of a UDP socket sends
// nothing); empty when there is no route.
std::string outbound_address_toward(const sockaddr_in& remote);

// getsockname()'s address of a connected socket; empty on failure.
std::string local_ip_of(int fd);
bool is_loopback_peer(int fd);

// True when the peer has closed (or sent something while it should be silent): used while a
// server thread waits on behalf of a client that asked nothing.
bool peer_closed(int fd);

}  // namespace slipway::rdv
