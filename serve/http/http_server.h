#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "serve/batching/batcher.h"
#include "serve/http/event_loop.h"
#include "serve/http/service.h"
#include "serve/metrics/serve_metrics.h"

namespace slipway::serve {

struct HttpOptions {
    std::string host = "0.0.0.0";
    int port = 8000;                     // 0: any free port
    size_t loops = 1;                    // event-loop threads (--http-threads)
    size_t connections = 10000;          // open at once; beyond: 503 and close
    size_t max_body_bytes = 32u << 20;   // larger bodies: 413
    size_t max_header_bytes = 64u << 10; // larger request heads: 431
    int idle_timeout_seconds = 30;       // an idle keep-alive connection is closed after this
};

// The HTTP/1.1 front: one listening socket and `loops` event loops (serve/http/event_loop.h);
// the first accepts and deals connections out in turn. See docs/serving.md "HTTP".
class HttpServer {
 public:
    HttpServer(Service* service, Batcher* batcher, ServeMetrics* metrics, HttpOptions options);
    ~HttpServer();

    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds host:port (exit code 2 when it cannot: port in use, bad address); returns the
    // port bound.
    Result<int> bind();
    // Serves on the loops' threads until stop().
    void start();
    // Stops accepting, closes idle connections, lets the requests under way be answered, and
    // waits for the loops until `deadline`; false when some were still busy then.
    bool stop(std::chrono::steady_clock::time_point deadline);

 private:
    HttpOptions options_;
    int listener_ = -1;  // the first loop's once started
    std::atomic<size_t> open_connections_{0};
    std::vector<std::unique_ptr<EventLoop>> loops_;
};

}  // namespace slipway::serve
