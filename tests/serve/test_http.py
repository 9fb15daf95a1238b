"""slipway-serve's HTTP/1.1 layer on raw sockets (label serve, standard library only):
keep-alive, pipelining, chunked bodies, Expect: 100-continue, HTTP/1.0, half-close, limits
(413 before the body, 431, --connections), malformed requests, HEAD, many connections."""

import concurrent.futures
import json
import socket
import time
import unittest

import serve_harness as sh


class Reader:
    """Reads HTTP responses off one socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buffer += chunk

    def response(self, head_request=False):
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_request or status == 100 else int(headers.get("content-length", 0))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def closed(self, timeout=5):
        """True when the server closes the connection (after any remaining bytes)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def post(path, body, extra=""):
    return (f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


class HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = sh.harness.new_workdir("serve-http")
        cls.repository, _, _ = sh.make_repository(cls.workdir)
        cls.server = sh.Server(cls.repository, cls.workdir, "--max-body-mb", "1",
                               "--http-threads", "2")
        cls.body = json.dumps({"features": [0.5] * sh.FEATURES}).encode()
        status, _, expected = sh.request(cls.server.url + "/predict", "POST", cls.body)
        assert status == 200, expected
        cls.expected = json.loads(expected)

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()
        sh.cleanup(cls.workdir)

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        self.addCleanup(sock.close)
        return sock, Reader(sock)

    def test_keep_alive_and_pipelining_answer_in_order(self):
        sock, reader = self.connect()
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n" + post("/predict", self.body) +
                     b"GET /v2/models/nope HTTP/1.1\r\nHost: t\r\n\r\n")
        statuses = [reader.response()[0] for _ in range(3)]
        self.assertEqual(statuses, [200, 200, 404])
        sock.sendall(post("/predict", self.body))  # the connection is still open
        status, _, body = reader.response()
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), self.expected)

    def test_chunked_body_gives_the_same_answer(self):
        sock, reader = self.connect()
        half = len(self.body) // 2
        chunks = [self.body[:half], self.body[half:]]
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                     b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n")
        status, _, body = reader.response()
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), self.expected)

    def test_expect_100_continue(self):
        sock, reader = self.connect()
        request = post("/predict", self.body, "Expect: 100-continue\r\n")
        head, body = request.split(b"\r\n\r\n", 1)
        sock.sendall(head + b"\r\n\r\n")
        self.assertEqual(reader.response()[0], 100)
        sock.sendall(body)
        self.assertEqual(reader.response()[0], 200)

    def test_bytes_one_at_a_time(self):
        sock, reader = self.connect()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for byte in post("/predict", b'{"features": [' + b"1," * (sh.FEATURES - 1) + b"1]}")[:300]:
            sock.send(bytes([byte]))
        sock.sendall(post("/predict", b'{"features": [' + b"1," * (sh.FEATURES - 1) +
                          b"1]}")[300:])
        self.assertEqual(reader.response()[0], 200)

    def test_http10_closes_after_the_answer_and_half_close_is_answered(self):
        sock, reader = self.connect()
        sock.sendall(b"GET /health HTTP/1.0\r\n\r\n")
        status, headers, _ = reader.response()
        self.assertEqual(status, 200)
        self.assertTrue(reader.closed())
        sock, reader = self.connect()
        sock.sendall(post("/predict", self.body))
        sock.shutdown(socket.SHUT_WR)
        self.assertEqual(reader.response()[0], 200)
        self.assertTrue(reader.closed())

    def test_head_has_length_and_no_body(self):
        sock, reader = self.connect()
        sock.sendall(b"HEAD /health HTTP/1.1\r\nHost: t\r\n\r\nGET /health HTTP/1.1\r\n\r\n")
        status, headers, body = reader.response(head_request=True)
        self.assertEqual((status, body), (200, b""))
        self.assertGreater(int(headers["content-length"]), 0)
        self.assertEqual(reader.response()[0], 200)  # the next response starts right after

    def test_malformed_requests_get_a_json_error_and_close(self):
        cases = [(b"BLAH\r\n\r\n", 400), (b"GET / HTTP/3.0\r\n\r\n", 505),
                 (b"GET /health HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n", 431),
                 (b"POST /predict HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
                 (b"POST /predict HTTP/1.1\r\nContent-Length: 2\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n", 400)]
        for request, expected in cases:
            sock, reader = self.connect()
            sock.sendall(request)
            status, headers, body = reader.response()
            self.assertEqual(status, expected, request[:60])
            self.assertIn("error", json.loads(body))
            self.assertEqual(headers.get("connection"), "close")
            self.assertTrue(reader.closed(), request[:60])

    def test_413_before_the_body_is_sent(self):
        sock, reader = self.connect()
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000\r\n\r\n")
        status, _, body = reader.response()
        self.assertEqual(status, 413)
        self.assertIn("1048576 bytes", json.loads(body)["error"])
        # The client may go on sending what it announced; the answer was not lost to a reset.
        try:
            sock.sendall(b"x" * 200000)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def test_many_connections_at_once(self):
        def one(_):
            sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=20)
            with sock:
                reader = Reader(sock)
                sock.sendall(post("/predict", self.body))
                status, _, body = reader.response()
                sock.sendall(post("/predict", self.body))
                return status, reader.response()[0], json.loads(body)["class"]
        with concurrent.futures.ThreadPoolExecutor(100) as pool:
            results = list(pool.map(one, range(300)))
        self.assertEqual({(a, b) for a, b, _ in results}, {(200, 200)})
        self.assertEqual({c for _, _, c in results}, {self.expected["class"]})


class ConnectionLimitTest(unittest.TestCase):
    def test_connections_beyond_the_limit_get_503(self):
        workdir = sh.harness.new_workdir("serve-http-limit")
        self.addCleanup(sh.cleanup, workdir)
        repository, _, _ = sh.make_repository(workdir)
        with sh.Server(repository, workdir, "--connections", "2") as server:
            held = [socket.create_connection(("127.0.0.1", server.port), timeout=10)
                    for _ in range(2)]
            for sock in held:
                sock.sendall(b"GET /health HTTP/1.1\r\n\r\n")
                self.assertEqual(Reader(sock).response()[0], 200)
            extra = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            status, _, body = Reader(extra).response()
            self.assertEqual(status, 503)
            self.assertIn("too many connections", json.loads(body)["error"])
            for sock in held + [extra]:
                sock.close()
            time.sleep(0.2)
            status, _, _ = sh.request(server.url + "/health")
            self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
