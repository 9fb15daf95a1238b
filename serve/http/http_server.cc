#include "serve/http/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <future>
#include <thread>

#include "serve/protocol/json_error.h"

namespace slipway::serve {
namespace {

constexpr char kHeaderLength[] = "Inference-Header-Content-Length";

// httplib listens with a backlog of 5, compiled into the library; a burst of new connections
// (a load generator opening 64 at once) would see SYNs dropped and retried a second later.
// listen() again on the bound socket raises the backlog; the socket is a protected member.
class WideBacklogServer : public httplib::Server {
 public:
    void widen_backlog(int backlog) { ::listen(svr_sock_, backlog); }
};

std::string status_message(int status) {
    switch (status) {
        case 400:
            return "malformed HTTP request";
        case 404:
            return "no such endpoint";
        case 405:
            return "method not allowed";
        case 413:
            return "request body over the size limit";
        case 414:
            return "request URI too long";
        default:
            return "HTTP error " + std::to_string(status);
    }
}

}  // namespace

struct HttpServer::Impl {
    Service* service;
    ServeMetrics* metrics;
    HttpOptions options;
    WideBacklogServer server;
    std::thread thread;
    std::promise<void> finished;
    std::future<void> finished_future = finished.get_future();

    void handle(const httplib::Request& request, httplib::Response& response) {
        ServiceRequest in;
        in.method = request.method;
        in.path = request.path;
        in.body = request.body;
        const auto header = request.headers.find(kHeaderLength);
        if (header != request.headers.end()) in.inference_header_length = header->second;
        ServiceReply reply = service->handle(in);
        response.status = reply.status;
        if (reply.inference_header_length) {
            response.set_header(kHeaderLength, std::to_string(*reply.inference_header_length));
        }
        if (reply.allow) response.set_header("Allow", reply.allow);
        response.set_content(std::move(reply.body), reply.content_type);
    }
};

HttpServer::HttpServer(Service* service, ServeMetrics* metrics, HttpOptions options)
    : impl_(std::make_unique<Impl>()) {
    impl_->service = service;
    impl_->metrics = metrics;
    impl_->options = std::move(options);
    Impl* impl = impl_.get();
    httplib::Server& server = impl->server;

    const size_t threads = std::max<size_t>(impl->options.connections, 1);
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(100000);
    server.set_keep_alive_timeout(impl->options.keep_alive_seconds);
    server.set_payload_max_length(impl->options.max_body_bytes);

    auto route_all = [impl](const httplib::Request& request, httplib::Response& response) {
        impl->handle(request, response);
    };
    server.Get(".*", route_all);
    server.Post(".*", route_all);
    server.Put(".*", route_all);
    server.Patch(".*", route_all);
    server.Delete(".*", route_all);
    server.Options(".*", route_all);

    // Refusals httplib makes before any handler runs (413, malformed requests) still get a
    // JSON error body and are counted.
    const size_t limit = impl->options.max_body_bytes;
    const httplib::Server::HandlerWithResponse on_error =
        [impl, limit](const httplib::Request&, httplib::Response& response) {
            if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
            std::string message = status_message(response.status);
            if (response.status == 413) message += " of " + std::to_string(limit) + " bytes";
            response.set_content(error_body(message), "application/json");
            impl->metrics->record_request(std::nullopt, response.status, 0.0);
            return httplib::Server::HandlerResponse::Handled;
        };
    server.set_error_handler(on_error);
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
            response.status = 500;
            response.set_content(error_body("internal error"), "application/json");
        });
}

HttpServer::~HttpServer() {
    if (impl_->thread.joinable()) {
        impl_->server.stop();
        impl_->thread.join();
    }
}

Result<int> HttpServer::bind() {
    const HttpOptions& options = impl_->options;
    int port = options.port;
    bool bound = false;
    if (port == 0) {
        port = impl_->server.bind_to_any_port(options.host);
        bound = port > 0;
    } else {
        bound = impl_->server.bind_to_port(options.host, port);
    }
    if (!bound) {
        return Error{ExitCode::kBadSpec,
                     "cannot listen on " + options.host + ":" + std::to_string(options.port),
                     "--port", "the port is in use or the address is not local; pick another"};
    }
    impl_->server.widen_backlog(1024);
    return port;
}

void HttpServer::start() {
    Impl* impl = impl_.get();
    impl->thread = std::thread([impl] {
        impl->server.listen_after_bind();
        impl->finished.set_value();
    });
}

bool HttpServer::stop(std::chrono::steady_clock::time_point deadline) {
    impl_->server.stop();
    if (impl_->finished_future.wait_until(deadline) != std::future_status::ready) return false;
    impl_->thread.join();
    return true;
}

}  // namespace slipway::serve
