#include "serve/http/request_parser.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace slipway::serve {
namespace {

using Kind = ParseOutcome::Kind;

ParseOutcome failed(int status, std::string message) {
    ParseOutcome outcome;
    outcome.kind = Kind::kFailed;
    outcome.status = status;
    outcome.message = std::move(message);
    return outcome;
}

bool is_token_char(char c) {
    if (c >= '0' && c <= '9') return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20) || x == y;
           });
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// Calls `each` with every comma-separated element of a header value, trimmed.
template <class Each>
void for_each_element(std::string_view value, Each each) {
    while (!value.empty()) {
        const size_t comma = value.find(',');
        const std::string_view element = trim(value.substr(0, comma));
        if (!element.empty()) each(element);
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
    return -1;
}

// The path of a request target, percent-decoded; nullopt when it is not a path we can serve.
std::optional<std::string> decode_path(std::string_view target) {
    // absolute-form ("http://host/path"), which proxies may send: keep the path.
    if (target.starts_with("http://") || target.starts_with("https://")) {
        const size_t slash = target.find('/', target.find("//") + 2);
        target = slash == std::string_view::npos ? "/" : target.substr(slash);
    }
    if (target.empty() || target.front() != '/') return std::nullopt;
    target = target.substr(0, target.find_first_of("?#"));
    std::string path;
    path.reserve(target.size());
    for (size_t i = 0; i < target.size(); ++i) {
        if (target[i] != '%') {
            path += target[i];
            continue;
        }
        if (i + 2 >= target.size() || hex_value(target[i + 1]) < 0 ||
            hex_value(target[i + 2]) < 0) {
            return std::nullopt;
        }
        path += static_cast<char>(hex_value(target[i + 1]) * 16 + hex_value(target[i + 2]));
        i += 2;
    }
    return path;
}

struct Framing {
    std::optional<uint64_t> content_length;
    bool chunked = false;
    bool expects_continue = false;
};

// Decodes a chunked body starting at `at`: kNeedMore until the last chunk and the trailers
// are all in `buffer`.
ParseOutcome read_chunked(std::string_view buffer, size_t at, const RequestLimits& limits,
                          ParseOutcome outcome) {
    std::string body;
    for (;;) {
        const size_t line_end = buffer.find("\r\n", at);
        if (line_end == std::string_view::npos) {
            if (buffer.size() - at > 1024) return failed(400, "chunk size line too long");
            return outcome;
        }
        std::string_view line = buffer.substr(at, line_end - at);
        line = line.substr(0, line.find(';'));  // chunk extensions carry nothing we use
        line = trim(line);
        uint64_t size = 0;
        const auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
        if (line.empty() || error != std::errc() || end != line.data() + line.size()) {
            return failed(400, "malformed chunk size '" + std::string(line.substr(0, 32)) + "'");
        }
        at = line_end + 2;
        if (size == 0) break;
        if (size > limits.max_body_bytes || body.size() + size > limits.max_body_bytes) {
            return failed(413, "request body over the size limit of " +
                                   std::to_string(limits.max_body_bytes) + " bytes");
        }
        if (buffer.size() - at < size + 2) return outcome;
        body.append(buffer.substr(at, size));
        at += size;
        if (buffer.substr(at, 2) != "\r\n") return failed(400, "chunk data not followed by CRLF");
        at += 2;
    }
    // Trailer fields, then an empty line; trailers are read and dropped.
    for (;;) {
        const size_t line_end = buffer.find("\r\n", at);
        if (line_end == std::string_view::npos) {
            if (buffer.size() - at > limits.max_header_bytes) {
                return failed(431, "trailer fields over the limit");
            }
            return outcome;
        }
        const bool last = line_end == at;
        at = line_end + 2;
        if (last) break;
    }
    outcome.kind = Kind::kComplete;
    outcome.consumed = at;
    outcome.request.decoded_body = std::move(body);
    outcome.request.chunked = true;
    return outcome;
}

}  // namespace

ParseOutcome parse_request(std::string_view buffer, const RequestLimits& limits) {
    // Tolerate empty lines before a request (RFC 9112 2.2), e.g. a client's stray CRLF after a
    // previous body.
    size_t start = 0;
    while (buffer.substr(start, 2) == "\r\n") start += 2;
    const size_t header_end = buffer.find("\r\n\r\n", start);
    if (header_end == std::string_view::npos) {
        if (buffer.size() - start > limits.max_header_bytes) {
            return failed(431, "request line and headers over the limit of " +
                                   std::to_string(limits.max_header_bytes) + " bytes");
        }
        ParseOutcome more;
        more.consumed = start;
        return more;
    }
    if (header_end - start > limits.max_header_bytes) {
        return failed(431, "request line and headers over the limit of " +
                               std::to_string(limits.max_header_bytes) + " bytes");
    }
    const std::string_view head = buffer.substr(start, header_end - start);
    for (size_t i = 0; i < head.size(); ++i) {
        const bool bare_cr = head[i] == '\r' && (i + 1 == head.size() || head[i + 1] != '\n');
        const bool bare_lf = head[i] == '\n' && (i == 0 || head[i - 1] != '\r');
        if (bare_cr || bare_lf) return failed(400, "bare CR or LF in the request head");
    }

    ParseOutcome outcome;
    HttpRequest& request = outcome.request;

    // Request line: METHOD SP target SP HTTP/1.x
    const size_t line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const size_t first_space = line.find(' ');
    const size_t last_space = line.rfind(' ');
    if (first_space == std::string_view::npos || first_space == last_space) {
        return failed(400, "malformed request line; expected 'METHOD /path HTTP/1.1'");
    }
    request.method = line.substr(0, first_space);
    const std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
    const std::string_view version = line.substr(last_space + 1);
    if (!is_token(request.method)) return failed(400, "malformed method in the request line");
    if (version == "HTTP/1.0") {
        request.http10 = true;
        request.keep_alive = false;
    } else if (version != "HTTP/1.1") {
        if (!version.starts_with("HTTP/")) {
            return failed(400, "malformed request line; expected 'METHOD /path HTTP/1.1'");
        }
        return failed(505, "HTTP version " + std::string(version.substr(0, 16)) +
                               " not supported; use HTTP/1.1");
    }
    std::optional<std::string> path = decode_path(target);
    if (!path) {
        return failed(400, "malformed request target '" + std::string(target.substr(0, 64)) +
                               "'; expected a path such as /predict");
    }
    request.path = std::move(*path);

    Framing framing;
    std::string_view rest = line_end == std::string_view::npos ? std::string_view()
                                                               : head.substr(line_end + 2);
    while (!rest.empty()) {
        const size_t end = rest.find("\r\n");
        const std::string_view field = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
        if (field.front() == ' ' || field.front() == '\t') {
            return failed(400, "obsolete line folding in the request headers");
        }
        const size_t colon = field.find(':');
        if (colon == std::string_view::npos || !is_token(field.substr(0, colon))) {
            return failed(400, "malformed header line '" + std::string(field.substr(0, 64)) + "'");
        }
        const std::string_view name = field.substr(0, colon);
        const std::string_view value = trim(field.substr(colon + 1));
        if (iequals(name, "content-length")) {
            uint64_t length = 0;
            const auto [end_ptr, error] =
                std::from_chars(value.data(), value.data() + value.size(), length);
            if (value.empty() || error != std::errc() || end_ptr != value.data() + value.size()) {
                return failed(400, "malformed Content-Length '" +
                                       std::string(value.substr(0, 32)) + "'");
            }
            if (framing.content_length && *framing.content_length != length) {
                return failed(400, "conflicting Content-Length headers");
            }
            framing.content_length = length;
        } else if (iequals(name, "transfer-encoding")) {
            bool unsupported = false;
            std::string_view last;
            for_each_element(value, [&](std::string_view coding) {
                if (!iequals(coding, "chunked")) unsupported = true;
                last = coding;
            });
            if (unsupported || framing.chunked) {
                return failed(501, "transfer coding '" + std::string(value.substr(0, 32)) +
                                       "' not supported; send Content-Length or chunked");
            }
            framing.chunked = iequals(last, "chunked");
        } else if (iequals(name, "connection")) {
            for_each_element(value, [&](std::string_view option) {
                if (iequals(option, "close")) request.keep_alive = false;
                if (iequals(option, "keep-alive") && request.http10) request.keep_alive = true;
            });
        } else if (iequals(name, "expect")) {
            if (!iequals(value, "100-continue")) {
                return failed(417, "Expect '" + std::string(value.substr(0, 32)) +
                                       "' not supported; only 100-continue is");
            }
            framing.expects_continue = !request.http10;
        } else if (iequals(name, "inference-header-content-length")) {
            request.inference_header_length = value;
        }
    }
    if (framing.chunked && framing.content_length) {
        return failed(400, "both Content-Length and Transfer-Encoding; send one");
    }
    const size_t body_start = header_end + 4;
    outcome.expects_continue = framing.expects_continue;
    if (framing.chunked) return read_chunked(buffer, body_start, limits, std::move(outcome));

    const uint64_t length = framing.content_length.value_or(0);
    if (length > limits.max_body_bytes) {
        return failed(413, "request body of " + std::to_string(length) +
                               " bytes over the size limit of " +
                               std::to_string(limits.max_body_bytes) + " bytes");
    }
    if (buffer.size() - body_start < length) return outcome;
    outcome.kind = Kind::kComplete;
    request.body = buffer.substr(body_start, length);
    outcome.consumed = body_start + length;
    outcome.expects_continue = false;
    return outcome;
}

}  // namespace slipway::serve
