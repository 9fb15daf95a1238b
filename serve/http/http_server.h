#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "serve/http/service.h"
#include "serve/metrics/serve_metrics.h"

namespace slipway::serve {

struct HttpOptions {
    std::string host = "0.0.0.0";
    int port = 8000;                    // 0: any free port
    size_t connections = 128;           // connections served at once (one thread each)
    size_t max_body_bytes = 32u << 20;  // larger bodies: 413
    int keep_alive_seconds = 2;         // an idle keep-alive connection is closed after this
};

// The HTTP/1.1 front (cpp-httplib): a pool of `connections` threads, each serving one
// keep-alive connection; every request goes to Service::handle. Errors the library answers
// itself (413 over the body limit, 400 for a malformed request line) get a JSON body too.
class HttpServer {
 public:
    HttpServer(Service* service, ServeMetrics* metrics, HttpOptions options);
    ~HttpServer();

    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds host:port (exit code 2 when it cannot: port in use, bad address); returns the
    // port bound.
    Result<int> bind();
    // Serves on a thread of its own until stop().
    void start();
    // Stops accepting and waits, until `deadline`, for the connection threads to finish their
    // requests; false when some were still busy at the deadline.
    bool stop(std::chrono::steady_clock::time_point deadline);

 private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace slipway::serve
