#include "serve/http/response_writer.h"

#include <charconv>

namespace slipway::serve {
namespace {

void append_number(std::string& out, size_t value) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, end);
}

}  // namespace

std::string_view reason_phrase(int status) {
    switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 413: return "Content Too Large";
        case 417: return "Expectation Failed";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        case 505: return "HTTP Version Not Supported";
        default: return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Server Error";
    }
}

void append_response(std::string& out, const ServiceReply& reply, bool head_request,
                     bool keep_alive, bool http10) {
    out.reserve(out.size() + 160 + reply.body.size());
    out += http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    append_number(out, static_cast<size_t>(reply.status));
    out += ' ';
    out += reason_phrase(reply.status);
    out += "\r\nServer: slipway-serve\r\nContent-Type: ";
    out += reply.content_type;
    out += "\r\nContent-Length: ";
    append_number(out, reply.body.size());
    if (reply.allow) {
        out += "\r\nAllow: ";
        out += reply.allow;
    }
    if (reply.inference_header_length) {
        out += "\r\nInference-Header-Content-Length: ";
        append_number(out, *reply.inference_header_length);
    }
    if (!keep_alive) {
        out += "\r\nConnection: close";
    } else if (http10) {
        out += "\r\nConnection: keep-alive";
    }
    out += "\r\n\r\n";
    if (!head_request) out += reply.body;
}

}  // namespace slipway::serve
