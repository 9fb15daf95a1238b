#!/usr/bin/env python3
"""slipway-serve against the Python stacks and nginx's fixed reply, same model, same load.

Serves the newest version of a model from a slipway model repository with
  slipway-serve              (build/bin, --threads 2)
  flask                      Flask's threaded server, numpy forward pass (the seeds' stack)
  fastapi                    FastAPI under uvicorn (uvloop, httptools, one worker per CPU, no
                             access log), numpy forward pass
  fastapi-ort                the same, onnxruntime
  nginx                      a fixed reply that reads and discards the same POST body: the HTTP
                             ceiling of this machine
and drives each with wrk on loopback: POST /predict with one row ({"features": [...]}) and with
64 rows ({"instances": ...}), at 1, 16 and 64 connections, `--runs` times each (median kept).
Prints req/s and p50/p99 latency side by side and writes every run to --out (JSON).
Not a test: it takes the machine's cores (wrk shares them) for minutes. --stacks, --bodies and
--connections (comma lists) run a subset.

  python3 -m venv /tmp/serve-bench && /tmp/serve-bench/bin/pip install -r bench/serve/requirements.txt
  bench/serve/run_serve_benchmark.py --repository runs/fashion-mnist/models \
      --python /tmp/serve-bench/bin/python

Why uvicorn runs with --loop uvloop: with --workers N > 1, uvicorn (0.54) binds the listening
socket itself with socket.socket(AF_INET), so its proto is 0; accepted sockets inherit that,
and asyncio's transport only sets TCP_NODELAY when proto == IPPROTO_TCP
(asyncio.base_events._set_nodelay). uvicorn writes each response as two send()s (headers,
then body), so Nagle holds the body until the client ACKs the headers, and the client delays
that ACK: every keep-alive request after the first took ~44 ms (uvicorn issue #3149). uvloop
sets TCP_NODELAY on every TCP transport, so it does not have the stall, and it is what a
production uvicorn deployment (uvicorn[standard]) runs anyway. httptools is the parser such a
deployment uses, with no effect on the stall. Both are named explicitly so that a venv
without them fails here instead of silently falling back to asyncio and h11.
"""

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

NGINX_CONF = """\
worker_processes {workers};
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_buffer_size 1m;
    client_max_body_size 16m;
    keepalive_requests 10000000;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            default_type application/json;
            return 200 '{{"class":0,"label":"fixed"}}';
        }}
    }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def newest_model(repository, name):
    if name is None:
        names = [d for d in os.listdir(repository) if os.path.isdir(os.path.join(repository, d))
                 and not d.startswith(".")]
        if len(names) != 1:
            sys.exit(f"{repository} holds {names}: pick one with --model")
        name = names[0]
    versions = sorted(int(v) for v in os.listdir(os.path.join(repository, name)) if v.isdigit())
    if not versions:
        sys.exit(f"{repository}/{name} has no version")
    return name, os.path.join(repository, name, str(versions[-1]), "model.onnx")


def model_width(model_onnx):
    meta = os.path.join(os.path.dirname(model_onnx), "slipway.json")
    with open(meta) as f:
        inputs = json.load(f)["inputs"]
    return inputs[0]["shape"][-1]


def write_bodies(work, width):
    """One row and 64 rows of pixel-like values in [0, 1], 4 decimals (as a client sends)."""
    rng = random.Random(1)
    row = lambda: [round(rng.random(), 4) for _ in range(width)]  # noqa: E731
    bodies = {"1row": {"features": row()}, "64rows": {"instances": [row() for _ in range(64)]}}
    paths = {}
    for name, body in bodies.items():
        paths[name] = os.path.join(work, f"{name}.json")
        with open(paths[name], "w") as f:
            json.dump(body, f)
    return paths


def wait_ready(url, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout} s")


def start(kind, args, model_name, model_onnx, port, work):
    env = dict(os.environ, SLIPWAY_BENCH_MODEL=model_onnx, PYTHONPATH=HERE)
    log = open(os.path.join(work, f"{kind}.log"), "w")
    if kind == "slipway-serve":
        command = [os.path.join(args.bin_dir, "slipway-serve"), "--repository", args.repository,
                   "--model", model_name, "--host", "127.0.0.1", "--port", str(port),
                   "--threads", str(args.workers), "--log-level", "warn"]
    elif kind == "flask":
        command = [args.python, os.path.join(HERE, "python_servers.py"), "flask", str(port)]
    elif kind in ("fastapi", "fastapi-ort"):
        factory = "fastapi_numpy_app" if kind == "fastapi" else "fastapi_ort_app"
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        # uvloop, not asyncio: see the module docstring (TCP_NODELAY with --workers > 1).
        command = [args.python, "-m", "uvicorn", f"python_servers:{factory}", "--factory",
                   "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
                   "--loop", "uvloop", "--http", "httptools",
                   "--log-level", "warning", "--no-access-log"]
    elif kind == "nginx":
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(workers=args.workers, work=work, port=port))
        command = [shutil.which("nginx"), "-p", work, "-c", conf]
    else:
        raise ValueError(kind)
    proc = subprocess.Popen(command, env=env, cwd=HERE, stdout=log, stderr=subprocess.STDOUT)
    health = "/health" if kind != "nginx" else "/"
    try:
        wait_ready(f"http://127.0.0.1:{port}{health}", proc)
    except Exception:
        stop(proc)
        raise
    return proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def wrk(url, body_path, connections, seconds):
    threads = 1 if connections == 1 else 2
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", os.path.join(HERE, "wrk_report.lua"), url]
    done = subprocess.run(command, env=dict(os.environ, WRK_BODY=body_path), capture_output=True,
                          text=True, timeout=seconds + 60)
    line = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if done.returncode != 0 or not line:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    result = json.loads(line[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repository", required=True)
    parser.add_argument("--model", help="model folder (default: the only one)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter with bench/serve/requirements.txt installed")
    parser.add_argument("--bin-dir", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--stacks", default="slipway-serve,flask,fastapi,fastapi-ort,nginx")
    parser.add_argument("--connections", default="1,16,64")
    parser.add_argument("--bodies", default="1row,64rows")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2,
                        help="seconds of 4-connection load before each stack's runs (0: none)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="server processes/threads (default: the CPUs)")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "serve_benchmark.json"))
    args = parser.parse_args()
    # The servers start in bench/serve/: a relative repository path must not depend on that.
    args.repository = os.path.abspath(args.repository)
    stacks = args.stacks.split(",")
    unknown = set(stacks) - {"slipway-serve", "flask", "fastapi", "fastapi-ort", "nginx"}
    if unknown:
        sys.exit(f"unknown stacks {sorted(unknown)}")
    tools = ["wrk"] + (["nginx"] if "nginx" in stacks else [])
    for tool in tools:
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: apt-get install {tool}")
    modules = {"flask": ["flask", "numpy"], "fastapi": ["fastapi", "uvicorn", "uvloop", "httptools",
               "numpy"], "fastapi-ort": ["fastapi", "uvicorn", "uvloop", "httptools",
               "onnxruntime"]}
    needed = sorted({m for s in stacks for m in modules.get(s, [])})
    if needed and subprocess.run([args.python, "-c", "import " + ", ".join(needed)],
                                 capture_output=True).returncode != 0:
        sys.exit(f"{args.python} lacks one of {needed}: pip install -r "
                 f"{os.path.join(HERE, 'requirements.txt')}")

    model_name, model_onnx = newest_model(args.repository, args.model)
    work = tempfile.mkdtemp(prefix="slipway-serve-bench-")
    bodies = write_bodies(work, model_width(model_onnx))
    results = []
    for kind in stacks:
        port = free_port()
        proc = start(kind, args, model_name, model_onnx, port, work)
        try:
            url = f"http://127.0.0.1:{port}/predict"
            if args.warmup > 0:
                wrk(url, bodies["1row"], 4, args.warmup)
            for body in args.bodies.split(","):
                for connections in [int(c) for c in args.connections.split(",")]:
                    runs = [wrk(url, bodies[body], connections, args.seconds)
                            for _ in range(args.runs)]
                    row = {"stack": kind, "body": body, "connections": connections,
                           "rps": statistics.median(r["rps"] for r in runs),
                           "p50_ms": statistics.median(r["p50_us"] for r in runs) / 1000,
                           "p99_ms": statistics.median(r["p99_us"] for r in runs) / 1000,
                           "non_2xx": sum(r["non_2xx"] for r in runs),
                           "socket_errors": sum(r["socket_errors"] for r in runs), "runs": runs}
                    results.append(row)
                    print(f"{kind:14} {body:7} c{connections:<3} {row['rps']:10.0f} req/s  "
                          f"p50 {row['p50_ms']:8.3f} ms  p99 {row['p99_ms']:8.3f} ms  "
                          f"non-2xx {row['non_2xx']}  socket errors {row['socket_errors']}",
                          flush=True)
                    if connections == 1 and body == "1row" and row["p50_ms"] >= 30:
                        print(f"WARNING: {kind} takes {row['p50_ms']:.0f} ms for one row at one "
                              "connection: the signature of Nagle's algorithm meeting delayed "
                              "ACKs (no TCP_NODELAY on the server's sockets), not of its work",
                              flush=True)
        finally:
            stop(proc)

    print(f"\nmedian of {args.runs} runs of {args.seconds} s, wrk on loopback, "
          f"{os.cpu_count()} CPUs shared by servers and wrk")
    print(f"{'body':7} {'conn':>4}  " + "  ".join(f"{s:>22}" for s in stacks))
    print(f"{'':7} {'':>4}  " + "  ".join(f"{'req/s  p50/p99 ms':>22}" for _ in stacks))
    for body in args.bodies.split(","):
        for connections in [int(c) for c in args.connections.split(",")]:
            cells = []
            for stack in stacks:
                row = next(r for r in results if r["stack"] == stack and r["body"] == body
                           and r["connections"] == connections)
                cells.append(f"{row['rps']:7.0f} {row['p50_ms']:6.2f}/{row['p99_ms']:<6.2f}")
            print(f"{body:7} {connections:>4}  " + "  ".join(f"{c:>22}" for c in cells))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"model": model_onnx, "workers": args.workers, "results": results}, f,
                  indent=1)
    print(f"\nwrote {args.out}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
