#include "serve/http/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace slipway::serve {
namespace {

constexpr int kBacklog = 1024;  // a load generator opening 64 connections at once must not
                                // see SYNs dropped and retried a second later

Error listen_error(const HttpOptions& options, const std::string& why) {
    return Error{ExitCode::kBadSpec,
                 "cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " +
                     why,
                 "--port", "the port is in use or the address is not local; pick another"};
}

}  // namespace

HttpServer::HttpServer(Service* service, Batcher* batcher, ServeMetrics* metrics,
                       HttpOptions options)
    : options_(std::move(options)) {
    LoopSettings settings;
    settings.service = service;
    settings.batcher = batcher;
    settings.metrics = metrics;
    settings.limits.max_body_bytes = options_.max_body_bytes;
    settings.limits.max_header_bytes = options_.max_header_bytes;
    settings.idle_timeout = std::chrono::seconds(options_.idle_timeout_seconds);
    settings.max_connections = std::max<size_t>(options_.connections, 1);
    settings.open_connections = &open_connections_;
    for (size_t i = 0; i < std::max<size_t>(options_.loops, 1); ++i) {
        loops_.push_back(std::make_unique<EventLoop>(settings));
    }
}

HttpServer::~HttpServer() {
    loops_.clear();  // each loop stops and joins its thread (closing the listener it took)
    if (listener_ >= 0) ::close(listener_);  // never started
}

Result<int> HttpServer::bind() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(options_.port);
    const int lookup = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found);
    if (lookup != 0) return listen_error(options_, ::gai_strerror(lookup));
    std::string why = "no address";
    for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
        const int fd = ::socket(address->ai_family,
                                address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            why = std::strerror(errno);
            continue;
        }
        const int on = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (::bind(fd, address->ai_addr, address->ai_addrlen) != 0 ||
            ::listen(fd, kBacklog) != 0) {
            why = std::strerror(errno);
            ::close(fd);
            continue;
        }
        listener_ = fd;
        break;
    }
    ::freeaddrinfo(found);
    if (listener_ < 0) return listen_error(options_, why);
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&bound), &length);
    const uint16_t bound_port = bound.ss_family == AF_INET6
                                    ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                    : reinterpret_cast<sockaddr_in*>(&bound)->sin_port;
    return static_cast<int>(ntohs(bound_port));
}

void HttpServer::start() {
    std::vector<EventLoop*> all;
    for (const auto& loop : loops_) all.push_back(loop.get());
    loops_.front()->accept_on(listener_, all);
    listener_ = -1;
    for (const auto& loop : loops_) loop->start();
}

bool HttpServer::stop(std::chrono::steady_clock::time_point deadline) {
    for (const auto& loop : loops_) loop->request_stop(deadline);
    bool all_done = true;
    // A little past the loops' own deadline: they cut connections off at it and then end.
    const auto grace = deadline + std::chrono::milliseconds(200);
    for (const auto& loop : loops_) all_done = loop->join(grace) && all_done;
    return all_done;
}

}  // namespace slipway::serve
