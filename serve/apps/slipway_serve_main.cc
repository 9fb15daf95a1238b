// slipway-serve: serves a model repository over HTTP. See docs/serving.md.
#include <CLI/CLI.hpp>

#include "serve/app/serve_command.h"

int main(int argc, char** argv) {
    slipway::serve::ServeCommand command;
    CLI::App app{
        "slipway-serve: serves a model that slipway-train exported into a Triton-layout model\n"
        "repository, with the trainer's own forward pass. Speaks the Open Inference Protocol v2\n"
        "(/v2/..., JSON and Triton's binary tensor data) and a plain API (POST /predict,\n"
        "GET /health, /ready, /metrics). New versions are loaded and swapped in while serving.\n\n"
        "Example:\n"
        "  slipway-serve --repository runs/models --port 8000\n"
        "  curl -s localhost:8000/predict -d '{\"features\": [0.1, 0.2, ...]}'\n\n"
        "Exit codes: 0 drained after SIGTERM/SIGINT, 2 bad flags or port, 4 bad or missing\n"
        "model repository.",
        "slipway-serve"};
    app.add_option("--repository", command.repository, "Model repository (Triton layout)")
        ->required();
    app.add_option("--model", command.model, "Model folder to serve (default: the only one)");
    app.add_option("--version", command.version,
                   "Serve this version and ignore newer ones (default: the newest, watched)")
        ->check(CLI::PositiveNumber);
    app.add_option("--host", command.host, "Address to listen on")->capture_default_str();
    app.add_option("--port", command.port, "Port (0: any free port, logged)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    app.add_option("--threads", command.threads,
                   "Forward passes at once, each single-threaded (default: usable CPUs)")
        ->check(CLI::Range(1, 1024));
    app.add_option("--http-threads", command.http_threads,
                   "Event loops reading, parsing and answering requests (default: usable CPUs)")
        ->check(CLI::Range(1, 1024));
    app.add_option("--connections", command.connections,
                   "Connections open at once; beyond, new ones get 503 and are closed")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    app.add_option("--max-request-rows", command.max_request_rows, "Rows one request may carry")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    app.add_option("--max-batch-rows", command.max_batch_rows,
                   "Rows merged into one forward pass by dynamic batching")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    app.add_option("--queue", command.queue,
                   "Requests that may wait for a forward pass; beyond: 429")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    app.add_option("--deadline-ms", command.deadline_ms,
                   "A request still queued after this long gets 503")
        ->check(CLI::Range(1, 3600000))
        ->capture_default_str();
    app.add_option("--drain-seconds", command.drain_seconds,
                   "After SIGTERM, the longest wait for requests in flight")
        ->check(CLI::Range(0, 3600))
        ->capture_default_str();
    app.add_option("--max-body-mb", command.max_body_mb, "Largest request body; beyond: 413")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    app.add_option("--poll-ms", command.poll_ms, "How often the model folder is checked")
        ->check(CLI::Range(10, 3600000))
        ->capture_default_str();
    app.add_option("--log-level", command.log_level,
                   "trace|debug|info|warn|error|off (default info; env SLIPWAY_LOG_LEVEL)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? 0 : 2;
    }
    return slipway::serve::run_serve_command(command);
}
