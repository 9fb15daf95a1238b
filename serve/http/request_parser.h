#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace slipway::serve {

struct RequestLimits {
    size_t max_header_bytes = 64 << 10;  // request line and headers; beyond: 431
    size_t max_body_bytes = 32 << 20;    // beyond: 413, before the body is read
};

// One HTTP/1.x request read from a connection's buffer. Views point into that buffer: valid
// until the buffer changes.
struct HttpRequest {
    std::string_view method;
    std::string path;  // percent-decoded, without the query string
    std::string_view body;     // a Content-Length body, in the buffer
    std::string decoded_body;  // a chunked body, joined
    bool chunked = false;
    std::optional<std::string_view> inference_header_length;
    bool keep_alive = true;  // HTTP/1.1 unless "Connection: close"; 1.0 only if asked
    bool http10 = false;

    std::string_view content() const { return chunked ? std::string_view(decoded_body) : body; }
};

// What parse_request makes of the bytes buffered so far.
struct ParseOutcome {
    enum class Kind {
        kNeedMore,  // not a whole request yet (send 100 Continue if `expects_continue`)
        kComplete,  // `request` is whole; it took `consumed` bytes of the buffer
        kFailed,    // answer `status` with `message` and close the connection
    };
    Kind kind = Kind::kNeedMore;
    HttpRequest request;
    size_t consumed = 0;
    bool expects_continue = false;  // headers ended with "Expect: 100-continue", body not here
    int status = 400;
    std::string message;
};

// Parses the request at the start of `buffer` (RFC 9112): request line, headers, and a body
// framed by Content-Length or chunked transfer coding. Strict where laxness lets requests be
// smuggled or misread: both Content-Length and Transfer-Encoding, differing Content-Lengths,
// obsolete line folding, whitespace before a header's colon, bare CR are all 400. Over the
// limits: 431 for headers, 413 for a body (decided from Content-Length before it arrives).
// Other codings than chunked: 501; HTTP versions other than 1.0 and 1.1: 505; an Expect other
// than 100-continue: 417. Stateless: call again with the whole buffer when more bytes come.
ParseOutcome parse_request(std::string_view buffer, const RequestLimits& limits);

}  // namespace slipway::serve
