#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "tracking/http_endpoint.h"

namespace slipway::tracking {

struct HttpResponse {
    int status = 0;
    std::string body;
};

struct HttpOptions {
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds io_timeout{5000};  // each read and write
    int attempts = 3;                            // tries per request
    std::chrono::milliseconds backoff{200};      // before the 2nd try; doubles after
    std::string bearer_token;                    // Authorization: Bearer ...
    std::string basic_user, basic_password;      // Authorization: Basic ...
};

// A small HTTP/1.1 client for tracking servers (cpp-httplib underneath), used from one
// thread. Transport failures, 429 and 5xx are retried `attempts` times with a doubling
// backoff; any other status is returned as it is. The caller's `cancelled` ends the retries
// early (the sender is closing).
class HttpClient {
 public:
    HttpClient(HttpEndpoint endpoint, HttpOptions options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // `path` is appended to the endpoint's base path. An Error (kInternal) says what failed
    // on the wire ("Connection" refused, timeout) when no response came back.
    Result<HttpResponse> send(const std::string& method, const std::string& path,
                              const std::string& body, const std::string& content_type,
                              const std::function<bool()>& cancelled);

    const HttpEndpoint& endpoint() const { return endpoint_; }

 private:
    struct Impl;
    HttpEndpoint endpoint_;
    HttpOptions options_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace slipway::tracking
