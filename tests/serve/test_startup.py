"""slipway-serve's exit codes at start (label serve, standard library only): 2 for bad flags
or a port in use, 4 for a bad or missing model repository, each with a message that says
what is wrong."""

import os
import shutil
import socket
import unittest

import serve_harness as sh


def serve(*args, timeout=30):
    return sh.harness.run([sh.harness.tool("slipway-serve"), *args], timeout=timeout)


class StartupTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = sh.harness.new_workdir("serve-startup")
        cls.repository, _, _ = sh.make_repository(cls.workdir)

    @classmethod
    def tearDownClass(cls):
        sh.cleanup(cls.workdir)

    def assert_exit(self, code, needle, *args):
        proc = serve(*args)
        self.assertEqual(proc.returncode, code, proc.stderr)
        self.assertIn(needle, proc.stderr + proc.stdout)

    def test_bad_flags_exit_2(self):
        self.assert_exit(2, "--repository", "--port", "80")
        self.assert_exit(2, "port", "--repository", self.repository, "--port", "http")
        self.assert_exit(2, "threads", "--repository", self.repository, "--threads", "0")

    def test_port_in_use_exits_2(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = str(busy.getsockname()[1])
            self.assert_exit(2, "cannot listen on 127.0.0.1:" + port, "--repository",
                             self.repository, "--host", "127.0.0.1", "--port", port)

    def test_bad_repositories_exit_4(self):
        missing = os.path.join(self.workdir, "nowhere")
        self.assert_exit(4, "model repository is not a directory", "--repository", missing)
        empty = os.path.join(self.workdir, "empty")
        os.makedirs(empty, exist_ok=True)
        self.assert_exit(4, "holds no model", "--repository", empty)
        self.assert_exit(4, "no model named 'other'", "--repository", self.repository,
                         "--model", "other")
        self.assert_exit(4, "version 9 does not exist", "--repository", self.repository,
                         "--version", "9")

        two = os.path.join(self.workdir, "two")
        shutil.copytree(os.path.join(self.repository, "tiny"), os.path.join(two, "a"))
        shutil.copytree(os.path.join(self.repository, "tiny"), os.path.join(two, "b"))
        self.assert_exit(4, "choose one with --model", "--repository", two)

        broken = os.path.join(self.workdir, "broken")
        os.makedirs(os.path.join(broken, "m", "1"))
        with open(os.path.join(broken, "m", "1", "model.onnx"), "wb") as f:
            f.write(b"not a model")
        self.assert_exit(4, "model.onnx", "--repository", broken)


if __name__ == "__main__":
    unittest.main(verbosity=2)
