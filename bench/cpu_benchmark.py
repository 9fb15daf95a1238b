#!/usr/bin/python3
"""CPU benchmark: slipway-train on 2 ranks against PyTorch DDP (gloo, 2 x 1 thread) and
single-process PyTorch (best thread count), same job on the same HDF5 file, plus the machine's
limit: cblas_sgemm at the model's GEMM shapes, one thread per process, two processes at once.

Started by bench/run_cpu_benchmark.sh (which installs, builds and converts the data first);
it needs Debian's /usr/bin/python3 with python3-torch, python3-h5py and python3-numpy.

Every runner is timed the same way: samples over the seconds spent inside training steps
(batch gather, forward, backward, gradient allreduce, optimizer step) on rank 0; data loading
and evaluation are outside the clock. slipway reports that as train_samples_per_sec in its
--summary-file; bench/torch_mlp.py measures the same span.
"""
import argparse
import ctypes
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
LAYERS = [(784, 256), (256, 256), (256, 10)]
WEIGHTS = sum(i * o for i, o in LAYERS)            # 268800, biases excluded
FIRST_INPUT_GRAD = LAYERS[0][0] * LAYERS[0][1]     # the GEMM nobody runs (no grad for the data)
PYTHON = "/usr/bin/python3"


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- machine state

def cpu_busy(interval):
    """Fraction of all CPUs busy over `interval` seconds (from /proc/stat)."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + v[4]
        return idle, sum(v[:8])
    i0, t0 = sample()
    time.sleep(interval)
    i1, t1 = sample()
    return 1.0 - (i1 - i0) / max(1, t1 - t0)


def wait_quiet(threshold, max_wait):
    """Waits (up to max_wait s) until the CPUs are below `threshold` busy; returns the last
    busy fraction seen. Another job on the machine would skew every number here."""
    start = time.time()
    while True:
        busy = cpu_busy(1.0)
        if busy <= threshold:
            return busy
        if time.time() - start > max_wait:
            log(f"WARNING: machine still {busy:.0%} busy after {max_wait:.0f} s; measuring anyway")
            return busy
        log(f"machine {busy:.0%} busy (other processes), waiting for it to go quiet")
        time.sleep(3)


HZ = os.sysconf("SC_CLK_TCK")


def cpu_jiffies():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4]  # everything but idle and iowait (steal included)


def children_cpu():
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Contention:
    """CPU time the rest of the machine used while one run ran: all busy CPU time (from
    /proc/stat, steal included) minus what this run's processes used (rusage of the waited-for
    children), as a fraction of wall x CPUs."""

    def __enter__(self):
        self.t, self.j, self.c = time.time(), cpu_jiffies(), children_cpu()
        return self

    def __exit__(self, *exc):
        wall = time.time() - self.t
        busy = (cpu_jiffies() - self.j) / HZ
        mine = children_cpu() - self.c
        self.others = max(0.0, busy - mine) / max(1e-9, wall * (os.cpu_count() or 1))
        return False


def measured(a, what, fn):
    """Runs fn() on a quiet machine; repeats it (up to a.retries times) when other processes
    took more than a.max_others of the CPUs meanwhile, keeping the least disturbed attempt.
    Returns (result, others, attempts)."""
    best = None
    for attempt in range(1, a.retries + 2):
        wait_quiet(a.quiet_threshold, a.max_wait)
        with Contention() as c:
            result = fn()
        if best is None or c.others < best[1]:
            best = (result, c.others)
        if c.others <= a.max_others:
            return result, c.others, attempt
        if attempt <= a.retries:
            log(f"{what}: other processes used {c.others:.0%} of the CPUs during the run; again")
    log(f"WARNING: {what}: other processes used {best[1]:.0%} of the CPUs even in the least "
        f"disturbed of {a.retries + 1} attempts; kept that one")
    return best[0], best[1], a.retries + 1


def machine():
    info = {"cpus": os.cpu_count(), "model": platform.processor()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            k, _, v = line.partition(":")
            k, v = k.strip(), v.strip()
            if k == "Model name":
                info["model"] = v
            elif k in ("Core(s) per socket", "Socket(s)", "Thread(s) per core",
                       "Hypervisor vendor", "L2 cache", "L3 cache"):
                info[k] = v
    except OSError:
        pass
    return info


# ---------------------------------------------------------------- torch's BLAS

def torch_blas():
    import torch
    lib = os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so")
    res = {"torch": torch.__version__, "libtorch_cpu": lib}
    ldd = subprocess.run(["ldd", lib], capture_output=True, text=True).stdout
    m = re.search(r"^\s*libblas\.so\.3 => (\S+)", ldd, re.M)
    res["libblas_so_3"] = m.group(1) if m else None
    res["libblas_real"] = os.path.realpath(m.group(1)) if m else None
    res["other_blas"] = sorted(set(re.findall(r"^\s*(lib(?:openblas|mkl\w*|blis|atlas)\S*) =>",
                                              ldd, re.M)))
    config = None
    if res["libblas_real"]:
        try:  # OpenBLAS exports openblas_get_config; the reference BLAS does not
            cdll = ctypes.CDLL(res["libblas_real"])
            fn = cdll.openblas_get_config
            fn.restype = ctypes.c_char_p
            config = fn().decode()
        except (OSError, AttributeError):
            config = None
    res["openblas_config"] = config
    res["is_openblas"] = config is not None
    show = torch.__config__.show()
    m = re.search(r"BLAS_INFO=([^,\s]+)", show)
    res["torch_config_blas_info"] = m.group(1) if m else None
    res["torch_config_blas_line"] = next((l.strip() for l in show.splitlines()
                                          if "BLAS_INFO" in l), "")
    return res


# ---------------------------------------------------------------- runners

def mpirun_cmd(ranks, extra_env=()):
    cmd = ["mpirun", "-np", str(ranks), "--bind-to", "core", "--map-by", "core"]
    if ranks > (os.cpu_count() or 1):
        cmd = ["mpirun", "-np", str(ranks), "--oversubscribe"]
    for name in extra_env:
        cmd += ["-x", name]
    return cmd


def base_env():
    env = dict(os.environ)
    if os.geteuid() == 0:
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env, cwd, timeout):
    t0 = time.time()
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        log(f"FAILED ({p.returncode}): {' '.join(cmd)}\n--- stdout\n{p.stdout[-3000:]}\n"
            f"--- stderr\n{p.stderr[-3000:]}")
        raise SystemExit(1)
    return p, time.time() - t0


def run_slipway(a, seed):
    tmp = tempfile.mkdtemp(prefix="slipway-bench-")
    try:
        summary = os.path.join(tmp, "summary.json")
        cmd = mpirun_cmd(2) + [
            os.path.join(a.build_dir, "bin", "slipway-train"), a.spec,
            "--set", f"data.path={a.data}", "--set", f"train.epochs={a.epochs}",
            "--set", f"train.seed={seed}",
            "--set", f"checkpoint.dir={tmp}/checkpoints",
            "--summary-file", summary, "--log-level", "warn"]
        _, wall = run(cmd, base_env(), tmp, a.timeout)
        with open(summary) as f:
            s = json.load(f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"samples_per_sec": s["train_samples_per_sec"], "test_accuracy": s["test_accuracy"],
            "train_seconds": s.get("train_seconds"), "wall_seconds": wall, "seed": seed,
            "steps": s.get("steps"), "blas": s.get("blas"),
            "threads_per_rank": s.get("threads_per_rank"), "communicator": s.get("communicator"),
            "final_train_loss": s.get("final_train_loss")}


def torch_env(setting):
    """setting: a thread count, or a count with a "p" suffix for OMP_WAIT_POLICY=PASSIVE
    (OpenMP threads sleep instead of spinning between parallel regions)."""
    env = base_env()
    threads = setting.rstrip("p")
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = threads
    if setting.endswith("p"):
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    return env, int(threads)


def run_torch(a, ddp, setting, seed, max_steps=0):
    tmp = tempfile.mkdtemp(prefix="torch-bench-")
    try:
        out = os.path.join(tmp, "result.json")
        env, threads = torch_env(setting)
        args = [PYTHON, os.path.join(BENCH, "torch_mlp.py"), "--data", a.data,
                "--epochs", str(a.epochs), "--threads", str(threads), "--out", out,
                "--seed", str(seed)]
        if max_steps:
            args += ["--max-steps", str(max_steps)]
        if ddp:
            env["MASTER_ADDR"] = "127.0.0.1"
            env["MASTER_PORT"] = str(free_port())
            names = ["MASTER_ADDR", "MASTER_PORT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                     "MKL_NUM_THREADS"] + (["OMP_WAIT_POLICY"] if "OMP_WAIT_POLICY" in env else [])
            cmd = mpirun_cmd(2, names) + args + ["--ddp"]
        else:
            cmd = args
        _, wall = run(cmd, env, tmp, a.timeout)
        with open(out) as f:
            r = json.load(f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"samples_per_sec": r["train_samples_per_sec"], "test_accuracy": r["test_accuracy"],
            "train_seconds": r["train_seconds"], "wall_seconds": wall, "setting": setting, "seed": seed,
            "steps": r["steps"], "final_train_loss": r["final_train_loss_rank0"]}


def run_sgemm(a, processes):
    exe = os.path.join(a.build_dir, "bin", "sgemm_limit")
    start_at = time.time() + 1.5  # both copies start their clocks together
    args = [exe, "--batch", "128", "--seconds", str(a.sgemm_seconds),
            "--start-at", f"{start_at:.3f}"]
    env = base_env()
    env["OPENBLAS_NUM_THREADS"] = "1"
    cmd = (mpirun_cmd(processes, ["OPENBLAS_NUM_THREADS"]) + args) if processes > 1 else args
    p, _ = run(cmd, env, ROOT, a.timeout)
    results = [json.loads(l[len("RESULT "):]) for l in p.stdout.splitlines()
               if l.startswith("RESULT ")]
    if len(results) != processes:
        log(f"sgemm_limit: expected {processes} results, got {len(results)}:\n{p.stdout}")
        raise SystemExit(1)
    detail = [l for l in p.stdout.splitlines() if l.startswith("[sgemm_limit")]
    return results, detail


# ---------------------------------------------------------------- report

def med(runs, key="samples_per_sec"):
    return statistics.median(r[key] for r in runs)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    p.add_argument("--data", default=os.path.join(ROOT, "data", "fashion-mnist.h5"))
    p.add_argument("--spec", default=os.path.join(BENCH, "fashion-mnist-bench.yaml"))
    p.add_argument("--out", default=os.path.join(BENCH, "results", "cpu_benchmark.json"))
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--seed", type=int, default=42, help="seed of repetition 1; r adds r - 1")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--single-threads", default="1,2,2p",
                   help="settings tried for single-process PyTorch: thread counts, 'p' suffix "
                        "adds OMP_WAIT_POLICY=PASSIVE (default 1,2,2p)")
    p.add_argument("--probe-steps", type=int, default=200,
                   help="steps of the thread probe; a setting under half the best probe rate "
                        "is not repeated (0: run every setting in full)")
    p.add_argument("--sgemm-seconds", type=float, default=3.0)
    p.add_argument("--quiet-threshold", type=float, default=0.10,
                   help="wait before each run until the CPUs are less busy than this")
    p.add_argument("--max-wait", type=float, default=600)
    p.add_argument("--max-others", type=float, default=0.05,
                   help="repeat a run when other processes used more than this share of the "
                        "CPUs during it")
    p.add_argument("--retries", type=int, default=3)
    p.add_argument("--timeout", type=float, default=600, help="seconds per run")
    a = p.parse_args()
    a.build_dir, a.data, a.spec, a.out = map(os.path.abspath,
                                             (a.build_dir, a.data, a.spec, a.out))
    started = time.time()

    mach = machine()
    blas = torch_blas()
    log(f"torch {blas['torch']}: {blas['libtorch_cpu']} -> libblas.so.3 {blas['libblas_so_3']} "
        f"-> {blas['libblas_real']}: {'OpenBLAS' if blas['is_openblas'] else 'NOT OpenBLAS'}")

    # The machine's limit: once alone, and two at once before every repetition and at the end
    # (the limit is their median; the spread shows how steady the machine was).
    sgemm = {"solo": [], "pair": [], "pair_detail": [], "pair_others": []}
    (solo, _), others, _ = measured(a, "sgemm 1 process", lambda: run_sgemm(a, 1))
    sgemm["solo"].append(solo[0])
    log(f"sgemm 1 process alone: {solo[0]['step_gflops']:.1f} GFLOP/s")

    def sgemm_pair(when):
        (pair, detail), others, _ = measured(a, "sgemm 2 processes", lambda: run_sgemm(a, 2))
        sgemm["pair"].append(pair)
        sgemm["pair_detail"].append(detail)
        sgemm["pair_others"].append(others)
        log(f"sgemm 2 processes at once ({when}): " +
            " + ".join(f"{r['step_gflops']:.1f}" for r in pair))

    threads = [t for t in a.single_threads.split(",") if t]
    probe = {}
    if a.probe_steps and len(threads) > 1:
        for t in threads:
            probe[t], others, _ = measured(
                a, f"probe torch 1 x {t}",
                lambda: run_torch(a, False, t, a.seed, max_steps=a.probe_steps))
            probe[t]["others"] = others
            log(f"probe torch 1 x {t}: {probe[t]['samples_per_sec']:.0f} samples/s "
                f"({a.probe_steps} steps)")
        best_probe = max(r["samples_per_sec"] for r in probe.values())
        threads = [t for t in threads if probe[t]["samples_per_sec"] >= 0.5 * best_probe]

    runs = {"slipway": [], "torch_ddp": []}
    runs.update({f"torch_t{t}": [] for t in threads})
    def one(key, label, fn):
        r, others, attempts = measured(a, label, fn)
        r["others"], r["attempts"] = others, attempts
        runs[key].append(r)
        log(f"{label}: {r['samples_per_sec']:.0f} samples/s, acc {r['test_accuracy']:.4f}")

    # Interleaved, so drift hits every runner alike; repetition r uses seed + r for every
    # runner (init, shuffle), so the accuracies are a median over seeds, not one seed's luck.
    for rep in range(a.reps):
        seed = a.seed + rep
        sgemm_pair(f"before rep {rep + 1}")
        one("slipway", f"rep {rep + 1} slipway 2x1", lambda: run_slipway(a, seed))
        one("torch_ddp", f"rep {rep + 1} torch DDP 2x1", lambda: run_torch(a, True, "1", seed))
        for t in threads:
            one(f"torch_t{t}", f"rep {rep + 1} torch 1x{t}",
                lambda: run_torch(a, False, t, seed))
    sgemm_pair("end")

    # ------------------------------------------------------------ numbers
    best_t = max(threads, key=lambda t: med(runs[f"torch_t{t}"]))
    s_med = med(runs["slipway"])
    rows = [("slipway (MPI)", "2 x 1", "slipway"), ("torch DDP gloo", "2 x 1", "torch_ddp")]
    for t in threads:
        rows.append(("torch single" + (" (best)" if t == best_t and len(threads) > 1 else ""),
                     f"1 x {t}", f"torch_t{t}"))

    pair_sums = [sum(r["step_gflops"] for r in pr) for pr in sgemm["pair"]]
    limit = statistics.median(pair_sums)  # the machine's limit for two ranks
    slip_flops = 6 * WEIGHTS * s_med / 1e9
    slip_exec = (6 * WEIGHTS - 2 * FIRST_INPUT_GRAD) * s_med / 1e9
    acc = {k: statistics.median(r["test_accuracy"] for r in v) for k, v in runs.items()}

    lines = []
    out = lines.append
    out(f"# slipway CPU benchmark: MLP 784-256-256-10 relu, He init, SGD momentum 0.9 lr 0.05, "
        f"global batch 256, {a.epochs} epochs, {os.path.basename(a.data)} in memory")
    out(f"# machine: {mach.get('model')}, {mach.get('cpus')} CPUs; torch {blas['torch']}; "
        f"{blas['openblas_config'] or '(torch BLAS is not OpenBLAS)'}")
    out(f"# torch BLAS: libtorch_cpu.so -> {blas['libblas_so_3']} -> {blas['libblas_real']}: "
        f"{'OpenBLAS' if blas['is_openblas'] else 'NOT OpenBLAS'} "
        f"(torch.__config__.show(): BLAS_INFO={blas['torch_config_blas_info']})")
    if probe:
        out(f"# torch single-process thread probe ({a.probe_steps} steps): " +
            ", ".join(f"{t}: {r['samples_per_sec']:.0f}" for t, r in probe.items()) +
            " samples/s" + ("  (Np: OMP_WAIT_POLICY=PASSIVE)" if any(
                t.endswith("p") for t in probe) else ""))
    out("#")
    out(f"#  {'runner':<21} {'ranks x':>7} {'samples/s':>10} {'min':>8} {'max':>8} "
        f"{'test acc':>8} {'acc':>11} {'slipway':>8} {'GFLOP/s':>8} {'others':>6}")
    out(f"#  {'':<21} {'threads':>7} {'median/' + str(a.reps):>10} {'':>8} {'':>8} "
        f"{'median':>8} {'min-max':>11} {'/ this':>8} {'6*W*S':>8} {'max':>6}")
    for name, rt, key in rows:
        rr = runs[key]
        sps = [r["samples_per_sec"] for r in rr]
        m = statistics.median(sps)
        others = max(r["others"] for r in rr)
        accs = [r["test_accuracy"] * 100 for r in rr]
        span = f"{min(accs):.2f}-{max(accs):.2f}"
        out(f"   {name:<21} {rt:>7} {m:>10.0f} {min(sps):>8.0f} {max(sps):>8.0f} "
            f"{acc[key] * 100:>7.2f}% {span:>11} {s_med / m:>7.2f}x "
            f"{6 * WEIGHTS * m / 1e9:>8.1f} {others * 100:>5.1f}%")
    out("#")
    solo_g = sgemm["solo"][0]["step_gflops"]
    out("# sgemm limit: cblas_sgemm at the 8 GEMM shapes of one step, per-rank batch 128, "
        "1 thread per process, 2*M*N*K flops:")
    out(f"#   1 process alone       {solo_g:7.1f} GFLOP/s")
    out(f"#   2 processes at once   " + ", ".join(
        " + ".join(f"{r['step_gflops']:.1f}" for r in pr) + f" = {sm:.1f}"
        for pr, sm in zip(sgemm["pair"], pair_sums)) + " GFLOP/s")
    out(f"#   limit (median of the {len(pair_sums)} pair runs): {limit:.1f} GFLOP/s "
        f"(per process {limit / 2:.1f})")
    out(f"#   slipway: 6 x {WEIGHTS} weights (biases excluded) x {s_med:.0f} samples/s = "
        f"{slip_flops:.1f} GFLOP/s = {100 * slip_flops / limit:.1f}% of the limit; GEMM flops it "
        f"runs (no layer-1 input grad) {slip_exec:.1f} = {100 * slip_exec / limit:.1f}%")
    out("#")
    ddp = med(runs["torch_ddp"])
    best = med(runs[f"torch_t{best_t}"])
    checks = []

    def check(name, ok, detail):
        checks.append({"target": name, "pass": bool(ok), "detail": detail})
        out(f"#   {'PASS' if ok else 'FAIL'}  {name:<50} {detail}")

    out("# targets:")
    check("slipway 2x1 >= 2x torch DDP samples/s", s_med >= 2 * ddp,
          f"{s_med:.0f} vs {ddp:.0f}: {s_med / ddp:.2f}x")
    check(f"slipway 2x1 >= 1x best torch single (1 x {best_t})", s_med >= best,
          f"{s_med:.0f} vs {best:.0f}: {s_med / best:.2f}x")
    for key, label in [("torch_ddp", "torch DDP"), (f"torch_t{best_t}", "best torch single")]:
        d = (acc["slipway"] - acc[key]) * 100
        check(f"test accuracy within 0.5 pt of {label}", abs(d) <= 0.5,
              f"{acc['slipway'] * 100:.2f}% vs {acc[key] * 100:.2f}%: {d:+.2f} pt")
    check("slipway training FLOP/s >= 75% of sgemm limit", slip_flops >= 0.75 * limit,
          f"{slip_flops:.1f} vs {limit:.1f} GFLOP/s: {100 * slip_flops / limit:.1f}%")
    out(f"# seeds {a.seed}..{a.seed + a.reps - 1} (one per repetition, same for every runner); "
        f"others: share of the CPUs other processes used during a run (above {a.max_others:.0%}: "
        f"run repeated); total {time.time() - started:.0f} s")

    mid = sorted(range(len(pair_sums)), key=lambda i: pair_sums[i])[len(pair_sums) // 2]
    for l in sgemm["pair_detail"][mid]:
        print("#   " + l, file=sys.stderr)
    sys.stderr.flush()
    print("\n".join(lines), flush=True)

    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    doc = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join(sys.argv),
        "machine": mach, "torch_blas": blas,
        "slipway_source": subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                         capture_output=True, text=True).stdout.strip(),
        "build_dir": a.build_dir,
        "job": {"model": "784-256-256-10 relu", "init": "he normal fan_in, zero biases",
                "optimizer": "sgd momentum 0.9 lr 0.05 constant", "global_batch": 256,
                "epochs": a.epochs, "data": a.data, "spec": a.spec},
        "weights": WEIGHTS, "reps": a.reps, "thread_probe": probe, "runs": runs,
        "median_samples_per_sec": {k: med(v) for k, v in runs.items()},
        "median_test_accuracy": acc, "best_single_threads": best_t,
        "sgemm": {"solo": sgemm["solo"], "pair": sgemm["pair"], "pair_sums_gflops": pair_sums,
                  "pair_others": sgemm["pair_others"], "limit_gflops": limit},
        "slipway_training_gflops_6w": slip_flops, "slipway_executed_gemm_gflops": slip_exec,
        "checks": checks, "table": lines,
    }
    with open(a.out + ".tmp", "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(a.out + ".tmp", a.out)
    print(f"# results: {a.out}", flush=True)


if __name__ == "__main__":
    main()
