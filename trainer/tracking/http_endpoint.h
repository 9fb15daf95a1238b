#pragma once

#include <string>

#include "common/status.h"

namespace slipway::tracking {

// A tracking server's address split the way the HTTP client wants it:
// "https://host:port/base/path" -> origin "https://host:port", base_path "/base/path" (no
// trailing slash; "" for none). Only http and https.
struct HttpEndpoint {
    std::string origin;
    std::string base_path;

    std::string url(const std::string& path) const { return origin + base_path + path; }
};

// An Error (kBadSpec) naming `what` (the variable or key the URL came from) for anything but
// http(s)://host[:port][/path]; a query or fragment is refused.
Result<HttpEndpoint> parse_http_endpoint(const std::string& url, const std::string& what);

// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - . _ ~),
// for one path segment or query value.
std::string percent_encode(const std::string& text);

}  // namespace slipway::tracking
