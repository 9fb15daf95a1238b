#include "tracking/http_endpoint.h"

#include <cctype>
#include <cstdio>

namespace slipway::tracking {

Result<HttpEndpoint> parse_http_endpoint(const std::string& url, const std::string& what) {
    const auto refuse = [&](const std::string& why) {
        return spec_error(what, "'" + url + "' " + why,
                          "use http://host:port or https://host[:port][/path]");
    };
    const size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return refuse("is not an http(s) URL");
    const std::string scheme = url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") {
        return refuse("has scheme '" + scheme +
                      "'; slipway talks to tracking servers over "
                      "http and https only");
    }
    if (url.find_first_of("?# \t\r\n") != std::string::npos) {
        return refuse("holds a query, a fragment or white space");
    }
    const size_t host_start = scheme_end + 3;
    const size_t path_start = url.find('/', host_start);
    const std::string authority = url.substr(host_start, path_start - host_start);
    if (authority.empty() || authority.front() == ':') return refuse("has no host");
    if (authority.find('@') != std::string::npos) {
        return refuse("holds credentials; pass them in the environment instead");
    }
    const size_t colon = authority.rfind(':');
    if (colon != std::string::npos && authority.back() != ']') {
        const std::string port = authority.substr(colon + 1);
        bool digits = !port.empty() && port.size() <= 5;
        for (char c : port) digits = digits && std::isdigit(static_cast<unsigned char>(c));
        if (!digits || std::stoi(port) == 0 || std::stoi(port) > 65535) {
            return refuse("has port '" + port + "'");
        }
    }
    HttpEndpoint endpoint;
    endpoint.origin = scheme + "://" + authority;
    if (path_start != std::string::npos) endpoint.base_path = url.substr(path_start);
    while (!endpoint.base_path.empty() && endpoint.base_path.back() == '/') {
        endpoint.base_path.pop_back();
    }
    return endpoint;
}

std::string percent_encode(const std::string& text) {
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(c);
        } else {
            char escaped[4];
            std::snprintf(escaped, sizeof(escaped), "%%%02X", byte);
            out += escaped;
        }
    }
    return out;
}

}  // namespace slipway::tracking
