#pragma once

#include <string>
#include <string_view>

#include "serve/http/service.h"

namespace slipway::serve {

// The reason phrase of a status code we send ("Too Many Requests").
std::string_view reason_phrase(int status);

// Appends the HTTP/1.1 response for `reply` to `out`: status line, Content-Type,
// Content-Length, Allow (405), Inference-Header-Content-Length (binary outputs), Connection
// when it differs from the request's default, then the body (none for a HEAD request; its
// Content-Length still says what GET would send).
void append_response(std::string& out, const ServiceReply& reply, bool head_request,
                     bool keep_alive, bool http10);

}  // namespace slipway::serve
