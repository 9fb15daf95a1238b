"""Training without MPI: ranks meet through the TCP rendezvous and train over gloo.
Equivalence with MPI and 1 rank; late and out-of-order starts; names that never resolve;
wrong token, world size and duplicate rank; a killed or hung peer; SIGTERM and resume."""

import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import gloo_harness as gloo  # noqa: E402
import harness  # noqa: E402

SPEC = """\
name: gloo-test
data:
  path: {data}
  standardize: true
model:
  hidden: [64, 32]
  activation: gelu
  dropout: 0.2
train:
  epochs: {epochs}
  global_batch: 64
  seed: 11
  log_every: 1
  collective_timeout: {collective_timeout}
  optimizer:
    name: sgd
    lr: 0.05
    momentum: 0.9
checkpoint:
  every_steps: 0
"""


def spec_file(workdir, data, epochs=1, collective_timeout=30, name="spec.yaml"):
    return harness.write_spec(os.path.join(workdir, name),
                              SPEC.format(data=data, epochs=epochs,
                                          collective_timeout=collective_timeout))


class GlooTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = harness.new_workdir("gloo")
        cls.data = harness.make_synthetic_h5(cls.workdir, rows=4000)  # 50 steps of 64
        cls.spec = spec_file(cls.workdir, cls.data)

    def run_job(self, world, name, timeout=120, **kwargs):
        started, _ = gloo.start_ranks(self.spec, world, self.workdir, name, **kwargs)
        codes = gloo.wait_all(started, timeout)
        return codes, started

    def test_gloo_matches_mpi_and_one_rank(self):
        one = harness.train(self.spec, 0, self.workdir, name="single")
        mpi = harness.train(self.spec, 2, self.workdir, name="mpi2")
        self.assertEqual(one["proc"].returncode, 0, one["proc"].stderr[-2000:])
        self.assertEqual(mpi["proc"].returncode, 0, mpi["proc"].stderr[-2000:])
        for world in (2, 4):
            codes, started = self.run_job(world, f"gloo{world}")
            self.assertEqual(set(codes.values()), {0}, started[0].output()[-3000:])
            result = harness.read_results(self.workdir, f"gloo{world}", started[0].process)
            self.assertEqual(result["summary"]["communicator"], "gloo")
            self.assertEqual(result["summary"]["world_size"], world)
            self.assertEqual(result["summary"]["steps"], 50)
            for label, other in (("1 rank", one), ("MPI 2 ranks", mpi)):
                error = harness.relative_l2(other["params"], result["params"])
                print(f"gloo {world} ranks vs {label}: relative L2 {error:.3g}")
                self.assertLess(error, 1e-5)

    def test_reverse_order_five_seconds_apart(self):
        # Rank 1 first: its connections are refused until rank 0 opens the port 5 s later.
        codes, started = self.run_job(2, "reverse", ranks=[1, 0], delays={0: 5.0})
        self.assertEqual(codes, {0: 0, 1: 0}, started[0].output()[-3000:])

    def test_name_that_never_resolves_is_exit_10_in_time(self):
        begin = time.time()
        codes, started = self.run_job(2, "unresolvable", ranks=[1],
                                      addr="no-such-host.invalid",
                                      extra_env={"SLIPWAY_RENDEZVOUS_TIMEOUT": "3"})
        elapsed = time.time() - begin
        output = started[1].output()
        print(f"unresolvable MASTER_ADDR: exit {codes[1]} after {elapsed:.1f} s")
        self.assertEqual(codes[1], 10, output[-3000:])
        self.assertLess(elapsed, 3 + 5)
        self.assertIn("no-such-host.invalid", output)

    def test_stray_with_wrong_token_is_refused_and_the_job_goes_on(self):
        port = gloo.free_port()
        job, _ = gloo.start_ranks(self.spec, 2, self.workdir, "token", ranks=[0], port=port)
        stray, _ = gloo.start_ranks(self.spec, 2, self.workdir, "stray", ranks=[1], port=port,
                                    extra_env={"SLIPWAY_JOB_TOKEN": "another-job"})
        self.assertEqual(stray[1].wait(60), 2, stray[1].output()[-3000:])
        self.assertIn("token", stray[1].output())
        real, _ = gloo.start_ranks(self.spec, 2, self.workdir, "token", ranks=[1], port=port)
        codes = gloo.wait_all({**job, **real}, 120)
        self.assertEqual(codes, {0: 0, 1: 0}, job[0].output()[-3000:])

    def test_duplicate_rank_is_refused(self):
        port = gloo.free_port()
        first, _ = gloo.start_ranks(self.spec, 3, self.workdir, "dup", ranks=[0, 1], port=port)
        time.sleep(1.0)
        twin, _ = gloo.start_ranks(self.spec, 3, self.workdir, "dup-twin", ranks=[1],
                                   port=port)
        self.assertEqual(twin[1].wait(60), 2, twin[1].output()[-3000:])
        self.assertIn("rank 1 already joined", twin[1].output())
        last, _ = gloo.start_ranks(self.spec, 3, self.workdir, "dup", ranks=[2], port=port)
        codes = gloo.wait_all({**first, **last}, 120)
        self.assertEqual(codes, {0: 0, 1: 0, 2: 0}, first[0].output()[-3000:])

    def test_world_size_disagreement_refuses_everyone(self):
        port = gloo.free_port()
        zero, _ = gloo.start_ranks(self.spec, 2, self.workdir, "world", ranks=[0], port=port)
        one, _ = gloo.start_ranks(self.spec, 3, self.workdir, "world-3", ranks=[1], port=port)
        codes = gloo.wait_all({0: zero[0], 1: one[1]}, 60)
        self.assertEqual(codes, {0: 2, 1: 2})
        for proc in (zero[0], one[1]):
            self.assertRegex(proc.output(), r"world size 3.*rank 0 says 2")

    def test_signature_disagreement_refuses_everyone(self):
        port = gloo.free_port()
        zero, _ = gloo.start_ranks(self.spec, 2, self.workdir, "sig", ranks=[0], port=port)
        one, _ = gloo.start_ranks(self.spec, 2, self.workdir, "sig-1", ranks=[1], port=port,
                                  sets=["model.hidden=[64,16]"])
        codes = gloo.wait_all({0: zero[0], 1: one[1]}, 60)
        self.assertEqual(codes, {0: 2, 1: 2}, zero[0].output()[-2000:])
        self.assertIn("24-64-16-5", one[1].output())


class GlooFailureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = harness.new_workdir("gloo-failures")
        cls.data = harness.make_synthetic_h5(cls.workdir, rows=4000)

    def test_sigkill_of_a_peer_is_exit_10_within_30s(self):
        spec = spec_file(self.workdir, self.data, epochs=100000, name="kill.yaml")
        started, _ = gloo.start_ranks(spec, 3, self.workdir, "kill")
        harness.wait_for_step(os.path.join(self.workdir, "kill.metrics.jsonl"), 20,
                              started[0].process)
        started[1].process.send_signal(signal.SIGKILL)
        killed = time.time()
        deadline = killed + 30
        exited = {}  # rank -> seconds from SIGKILL to its exit
        while len(exited) < 2 and time.time() < deadline:
            for r in (0, 2):
                if r not in exited and started[r].process.poll() is not None:
                    exited[r] = time.time() - killed
            time.sleep(0.01)
        codes = {r: started[r].wait(max(0.1, deadline - time.time())) for r in (0, 2)}
        print(f"gloo: survivors exited {codes}, rank 0 after "
              f"{exited.get(0, float('nan')):.2f} s and rank 2 after "
              f"{exited.get(2, float('nan')):.2f} s of SIGKILL of rank 1")
        self.assertEqual(codes, {0: 10, 2: 10})
        self.assertEqual(sorted(exited), [0, 2])
        self.assertLess(max(exited.values()), 30)
        # The rank whose collective broke says so (rank 0 or rank 2: whichever is not blocked
        # on the other), and every survivor names the failure: the step and the lost peer's
        # address, seen by itself or reported through rank 0's store by the rank that saw it.
        self.assertTrue(any(re.search(r"error step \d+ \(epoch \d+\) could not complete",
                                      started[r].output()) for r in (0, 2)),
                        started[0].output()[-3000:] + started[2].output()[-3000:])
        for r in (0, 2):
            self.assertRegex(started[r].output(),
                             r"error (rank \d reports: )?collective call "
                             r"(gloo::\w+|allreduce)\(\w+\)( over gloo)? "
                             r"failed at \S+: at step \d+ \(epoch \d+\): a peer failed.*"
                             r"127\.0\.0\.1\]?:\d+", started[r].output()[-3000:])

    def test_sigstop_of_a_peer_is_exit_10_after_the_deadline(self):
        spec = spec_file(self.workdir, self.data, epochs=100000, collective_timeout=4,
                         name="hang.yaml")
        started, _ = gloo.start_ranks(spec, 2, self.workdir, "hang")
        harness.wait_for_step(os.path.join(self.workdir, "hang.metrics.jsonl"), 20,
                              started[0].process)
        started[1].process.send_signal(signal.SIGSTOP)
        stopped = time.time()
        try:
            code = started[0].wait(4 + 10)
        finally:
            started[1].process.send_signal(signal.SIGKILL)
            started[1].stop()
        elapsed = time.time() - stopped
        print(f"gloo: rank 0 exited {code} {elapsed:.2f} s after SIGSTOP of rank 1")
        self.assertEqual(code, 10, started[0].output()[-3000:])
        self.assertIn("collective_timeout = 4 s", started[0].output())

    def test_sigterm_to_all_ranks_checkpoints_once_and_resumes_equal(self):
        spec = spec_file(self.workdir, self.data, epochs=30, name="term.yaml")
        reference, _ = gloo.start_ranks(spec, 2, self.workdir, "term-reference")
        self.assertEqual(set(gloo.wait_all(reference, 180).values()), {0})
        ref = harness.read_results(self.workdir, "term-reference", reference[0].process)

        started, port = gloo.start_ranks(spec, 2, self.workdir, "term")
        harness.wait_for_step(os.path.join(self.workdir, "term.metrics.jsonl"), 300,
                              started[0].process)
        for proc in started.values():
            proc.process.send_signal(signal.SIGTERM)
        codes = gloo.wait_all(started, 60)
        self.assertEqual(codes, {0: 143, 1: 143}, started[0].output()[-3000:])
        self.assertEqual(started[0].output().count("preemption checkpoint"), 1)

        resumed, _ = gloo.start_ranks(spec, 2, self.workdir, "term")
        self.assertEqual(set(gloo.wait_all(resumed, 180).values()), {0},
                         resumed[0].output()[-3000:])
        result = harness.read_results(self.workdir, "term", resumed[0].process)
        self.assertIn("resuming from", resumed[0].output())
        self.assertEqual(result["params"].tobytes(), ref["params"].tobytes())


if __name__ == "__main__":
    unittest.main(verbosity=2)
