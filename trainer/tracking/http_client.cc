#include "tracking/http_client.h"

#include <httplib.h>

#include <thread>

namespace slipway::tracking {

namespace {

// What went wrong on the wire, in words (cpp-httplib's names are terse: "Connection").
std::string describe(httplib::Error error) {
    switch (error) {
        case httplib::Error::Connection:
            return "cannot connect (refused or unreachable)";
        case httplib::Error::ConnectionTimeout:
            return "connect timed out";
        case httplib::Error::Read:
            return "no answer (read failed or timed out)";
        case httplib::Error::Write:
            return "sending the request failed";
        case httplib::Error::SSLConnection:
            return "TLS handshake failed";
        case httplib::Error::SSLServerVerification:
            return "TLS certificate not trusted";
        default:
            return "HTTP client error: " + httplib::to_string(error);
    }
}

}  // namespace

struct HttpClient::Impl {
    explicit Impl(const std::string& origin) : client(origin) {}
    httplib::Client client;
};

HttpClient::HttpClient(HttpEndpoint endpoint, HttpOptions options)
    : endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      impl_(std::make_unique<Impl>(endpoint_.origin)) {
    httplib::Client& client = impl_->client;
    const auto seconds = [](std::chrono::milliseconds ms) {
        return std::pair<time_t, time_t>(ms.count() / 1000, (ms.count() % 1000) * 1000);
    };
    auto [connect_s, connect_us] = seconds(options_.connect_timeout);
    auto [io_s, io_us] = seconds(options_.io_timeout);
    client.set_connection_timeout(connect_s, connect_us);
    client.set_read_timeout(io_s, io_us);
    client.set_write_timeout(io_s, io_us);
    client.set_keep_alive(true);
    if (!options_.bearer_token.empty()) client.set_bearer_token_auth(options_.bearer_token);
    if (!options_.basic_user.empty()) {
        client.set_basic_auth(options_.basic_user, options_.basic_password);
    }
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::send(const std::string& method, const std::string& path,
                                      const std::string& body, const std::string& content_type,
                                      const std::function<bool()>& cancelled) {
    const std::string target = endpoint_.base_path + path;
    httplib::Client& client = impl_->client;
    std::chrono::milliseconds backoff = options_.backoff;
    std::string failure;
    for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
        httplib::Result result = method == "GET"    ? client.Get(target)
                                 : method == "PUT"  ? client.Put(target, body, content_type)
                                 : method == "POST" ? client.Post(target, body, content_type)
                                                    : client.Delete(target);
        if (result) {
            const int status = result->status;
            if (status != 429 && status < 500) return HttpResponse{status, result->body};
            failure = "HTTP " + std::to_string(status) + ": " + result->body.substr(0, 200);
        } else {
            failure = describe(result.error());
        }
        if (attempt == options_.attempts || cancelled()) break;
        std::this_thread::sleep_for(backoff);
        backoff *= 2;
    }
    return Error{ExitCode::kInternal, failure, method + " " + endpoint_.url(path),
                 "is the server up and reachable from this pod?"};
}

}  // namespace slipway::tracking
