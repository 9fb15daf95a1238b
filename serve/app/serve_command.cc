#include "serve/app/serve_command.h"

#include <cblas.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "common/log.h"
#include "common/stop_signal.h"
#include "export/model_repository.h"
#include "metrics/process_stats.h"
#include "serve/batching/batcher.h"
#include "serve/http/http_server.h"
#include "serve/http/service.h"
#include "serve/metrics/serve_metrics.h"
#include "serve/repository/model_selection.h"
#include "serve/repository/model_slot.h"
#include "serve/repository/version_loader.h"
#include "serve/repository/version_watcher.h"

namespace slipway::serve {
namespace {

using Clock = std::chrono::steady_clock;

int fail(const Error& error) {
    spdlog::error("{}", error.message());
    return to_int(error.code);
}

// The version to load first: the pinned one, else the newest present.
Result<int64_t> initial_version(const std::string& model_dir, std::optional<int64_t> pinned) {
    const std::vector<int64_t> versions = list_versions(model_dir);
    if (pinned) {
        for (int64_t version : versions) {
            if (version == *pinned) return version;
        }
        return Error{ExitCode::kBadCheckpoint,
                     "version " + std::to_string(*pinned) + " does not exist", model_dir,
                     versions.empty() ? "the model has no version yet"
                                      : "the newest is " + std::to_string(versions.back())};
    }
    if (versions.empty()) {
        return Error{ExitCode::kBadCheckpoint, "the model has no version folder", model_dir,
                     "export one: slipway-train export --checkpoint FILE --repository DIR"};
    }
    return versions.back();
}

void wait_for_stop_signal() {
    while (!stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace

int run_serve_command(const ServeCommand& command) {
    init_program_logging("serve", command.log_level);
    install_stop_signal_handlers();
    std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server

    Result<std::string> name = select_model(command.repository, command.model);
    if (!name) return fail(name.error());
    const std::string model_dir = (std::filesystem::path(command.repository) / *name).string();
    Result<int64_t> version = initial_version(model_dir, command.version);
    if (!version) return fail(version.error());
    Result<std::shared_ptr<InferenceModel>> model =
        load_version(command.repository, *name, *version, command.max_request_rows);
    if (!model) return fail(model.error());

    // Each forward pass runs single-threaded BLAS; `threads` passes run side by side.
    const int threads = command.threads > 0 ? command.threads : usable_cpus();
    const int http_threads = command.http_threads > 0 ? command.http_threads : usable_cpus();
    openblas_set_num_threads(1);

    ServeMetrics metrics;
    ModelSlot slot;
    slot.swap_in(*model);
    metrics.set_model(*name, *version);

    BatcherOptions batching;
    batching.max_queue = command.queue;
    batching.max_batch_rows = command.max_batch_rows;
    batching.executors = static_cast<size_t>(threads);
    Batcher batcher(batching, &metrics);
    Service service(
        &slot, &batcher, &metrics,
        ServiceOptions{SLIPWAY_VERSION, std::chrono::milliseconds(command.deadline_ms)});

    HttpOptions http;
    http.host = command.host;
    http.port = command.port;
    http.loops = static_cast<size_t>(http_threads);
    http.connections = command.connections;
    http.max_body_bytes = command.max_body_mb << 20;
    HttpServer server(&service, &batcher, &metrics, http);
    Result<int> port = server.bind();
    if (!port) return fail(port.error());

    const std::string repository = command.repository;
    const size_t max_rows = command.max_request_rows;
    const std::string served = *name;
    VersionWatcher watcher([model_dir] { return list_versions(model_dir); },
                           [repository, served, max_rows](int64_t v) {
                               return load_version(repository, served, v, max_rows);
                           },
                           &slot, &metrics, std::chrono::milliseconds(command.poll_ms));
    if (!command.version) watcher.start();

    server.start();
    spdlog::info(
        "serving {} version {} ({}) on http://{}:{}: {} forward passes at once, "
        "{} event loops, up to {} connections, queue {}, batches up to {} rows{}",
        *name, *version, (*model)->info().description, command.host, *port, threads,
        http_threads, command.connections, command.queue, command.max_batch_rows,
        command.version ? ", version pinned" : ", watching for new versions");

    wait_for_stop_signal();
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(command.drain_seconds);
    service.set_accepting(false);
    batcher.start_draining();
    spdlog::info("signal {}: not ready any more; finishing requests in flight (at most {} s)",
                 stop_signal(), command.drain_seconds);
    watcher.stop();
    const bool idle = batcher.wait_idle(deadline);
    const bool stopped = server.stop(deadline);
    if (!idle || !stopped) {
        spdlog::warn("drain bound of {} s reached with requests still open; exiting",
                     command.drain_seconds);
        spdlog::default_logger()->flush();
        std::_Exit(0);  // event loops may still run: skip destructors that would join them
    }
    spdlog::info("drained; exiting");
    return 0;
}

}  // namespace slipway::serve
