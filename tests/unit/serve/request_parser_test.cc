#include "serve/http/request_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "serve/http/response_writer.h"

namespace slipway::serve {
namespace {

using Kind = ParseOutcome::Kind;

ParseOutcome parse(std::string_view text, RequestLimits limits = {}) {
    return parse_request(text, limits);
}

TEST(RequestParserTest, ContentLengthBodyAndKeepAlive) {
    const std::string text =
        "POST /predict?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET";
    const ParseOutcome outcome = parse(text);
    ASSERT_EQ(outcome.kind, Kind::kComplete) << outcome.message;
    EXPECT_EQ(outcome.request.method, "POST");
    EXPECT_EQ(outcome.request.path, "/predict");
    EXPECT_EQ(outcome.request.content(), "hello");
    EXPECT_TRUE(outcome.request.keep_alive);
    EXPECT_EQ(outcome.consumed, text.size() - 3);  // the pipelined "GET" stays
}

TEST(RequestParserTest, EveryPrefixNeedsMore) {
    const std::string text = "POST /predict HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd";
    for (size_t length = 0; length < text.size(); ++length) {
        EXPECT_EQ(parse(text.substr(0, length)).kind, Kind::kNeedMore) << length;
    }
    EXPECT_EQ(parse(text).kind, Kind::kComplete);
}

TEST(RequestParserTest, ChunkedBodyIsJoinedAndTrailersDropped) {
    const std::string text =
        "POST /predict HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3;ext=1\r\nabc\r\n0000A\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\nnext";
    const ParseOutcome outcome = parse(text);
    ASSERT_EQ(outcome.kind, Kind::kComplete) << outcome.message;
    EXPECT_EQ(outcome.request.content(), "abc0123456789");
    EXPECT_EQ(text.substr(outcome.consumed), "next");
    for (size_t length = 0; length < text.size() - 4; ++length) {
        EXPECT_EQ(parse(text.substr(0, length)).kind, Kind::kNeedMore) << length;
    }
}

TEST(RequestParserTest, ConnectionSemanticsOfHttp10And11) {
    EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").request.keep_alive);
    EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").request.keep_alive);
    EXPECT_FALSE(parse("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n").request.keep_alive);
    EXPECT_TRUE(parse("GET / HTTP/1.1\r\n\r\n").request.http10 == false);
}

TEST(RequestParserTest, ExpectContinueIsReportedUntilTheBodyComes) {
    const std::string head =
        "POST /predict HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    EXPECT_TRUE(parse(head).expects_continue);
    EXPECT_EQ(parse(head).kind, Kind::kNeedMore);
    EXPECT_FALSE(parse(head + "{}").expects_continue);
    EXPECT_EQ(parse("POST / HTTP/1.1\r\nExpect: gold\r\n\r\n").status, 417);
}

TEST(RequestParserTest, PathIsPercentDecodedAndAbsoluteFormAccepted) {
    EXPECT_EQ(parse("GET /v2/models/my%20model HTTP/1.1\r\n\r\n").request.path,
              "/v2/models/my model");
    EXPECT_EQ(parse("GET http://host:8000/health?x HTTP/1.1\r\n\r\n").request.path, "/health");
    EXPECT_EQ(parse("GET /bad%2 HTTP/1.1\r\n\r\n").status, 400);
    EXPECT_EQ(parse("GET health HTTP/1.1\r\n\r\n").status, 400);
}

TEST(RequestParserTest, HeaderValuesWeUse) {
    const ParseOutcome outcome = parse(
        "POST /v2/models/m/infer HTTP/1.1\r\ninference-header-content-length:  12 \r\n"
        "content-length: 0\r\n\r\n");
    ASSERT_EQ(outcome.kind, Kind::kComplete);
    ASSERT_TRUE(outcome.request.inference_header_length.has_value());
    EXPECT_EQ(*outcome.request.inference_header_length, "12");
}

struct Refusal {
    const char* text;
    int status;
};

class RequestParserRefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(RequestParserRefusalTest, IsRefusedWithItsStatus) {
    const ParseOutcome outcome = parse(GetParam().text);
    EXPECT_EQ(outcome.kind, Kind::kFailed);
    EXPECT_EQ(outcome.status, GetParam().status) << outcome.message;
    EXPECT_FALSE(outcome.message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    MalformedOrUnsupported, RequestParserRefusalTest,
    ::testing::Values(
        Refusal{"GARBAGE\r\n\r\n", 400}, Refusal{"GET /\r\n\r\n", 400},
        Refusal{"G(T / HTTP/1.1\r\n\r\n", 400}, Refusal{"GET / HTTP/2.0\r\n\r\n", 505},
        Refusal{"GET / FTP/1.1\r\n\r\n", 400},
        Refusal{"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
        Refusal{"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
        Refusal{"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
        Refusal{"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                400},
        Refusal{"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
        Refusal{"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
        Refusal{"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400},
        Refusal{"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400},
        Refusal{"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400},
        Refusal{"GET / HTTP/1.1\nA: b\r\n\r\n", 400},
        Refusal{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        Refusal{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", 400}));

TEST(RequestParserTest, BodyOverTheLimitIs413BeforeItArrives) {
    RequestLimits limits;
    limits.max_body_bytes = 10;
    const ParseOutcome outcome =
        parse("POST /predict HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits);
    EXPECT_EQ(outcome.kind, Kind::kFailed);
    EXPECT_EQ(outcome.status, 413);
    EXPECT_NE(outcome.message.find("10 bytes"), std::string::npos) << outcome.message;
    const ParseOutcome chunked = parse(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n", limits);
    EXPECT_EQ(chunked.status, 413);
}

TEST(RequestParserTest, HeadOverTheLimitIs431EvenUnfinished) {
    RequestLimits limits;
    limits.max_header_bytes = 64;
    const std::string head = "GET / HTTP/1.1\r\nX-Long: " + std::string(100, 'a');
    EXPECT_EQ(parse(head, limits).status, 431);
    EXPECT_EQ(parse(head + "\r\n\r\n", limits).status, 431);
}

TEST(ResponseWriterTest, StatusHeadersAndBody) {
    ServiceReply reply;
    reply.status = 405;
    reply.body = "{\"error\":\"x\"}";
    reply.allow = "POST";
    std::string out;
    append_response(out, reply, false, true, false);
    EXPECT_EQ(out,
              "HTTP/1.1 405 Method Not Allowed\r\nServer: slipway-serve\r\n"
              "Content-Type: application/json\r\nContent-Length: 13\r\nAllow: POST\r\n\r\n"
              "{\"error\":\"x\"}");
}

TEST(ResponseWriterTest, HeadHasLengthButNoBodyAndCloseIsSaid) {
    ServiceReply reply;
    reply.body = "12345";
    reply.inference_header_length = 3;
    std::string out;
    append_response(out, reply, true, false, false);
    EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos) << out;
    EXPECT_NE(out.find("Inference-Header-Content-Length: 3\r\n"), std::string::npos) << out;
    EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos) << out;
    EXPECT_TRUE(out.ends_with("\r\n\r\n")) << out;
    out.clear();
    append_response(out, reply, false, true, true);
    EXPECT_TRUE(out.starts_with("HTTP/1.0 200 OK\r\n")) << out;
    EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace slipway::serve
