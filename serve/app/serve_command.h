#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace slipway::serve {

// Everything `slipway-serve` takes; flags map one to one (apps/slipway_serve_main.cc).
struct ServeCommand {
    std::string repository;
    std::optional<std::string> model;  // default: the repository's only model
    std::optional<int64_t> version;    // pinned: no watching; default: the newest, watched
    std::string host = "0.0.0.0";
    int port = 8000;
    int threads = 0;       // forward passes at once; 0: the CPUs we may use
    int http_threads = 0;  // event loops; 0: the CPUs we may use
    size_t connections = 10000;
    size_t max_request_rows = 1024;
    size_t max_batch_rows = 256;
    size_t queue = 256;
    int deadline_ms = 2000;
    int drain_seconds = 20;
    size_t max_body_mb = 32;
    int poll_ms = 1000;
    std::optional<std::string> log_level;
};

// Loads the model, serves until SIGTERM/SIGINT, drains, and returns the exit code: 0 after a
// drain, 2 bad flags or a port that cannot be bound, 4 a bad or missing model repository.
int run_serve_command(const ServeCommand& command);

}  // namespace slipway::serve
