#!/usr/bin/python3
"""torch.distributed allreduce bandwidth (gloo backend), in allreduce_bench's nccl-tests format.

One rank per process, env:// rendezvous (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT):

    RANK=r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=p /usr/bin/python3 torch_allreduce.py

Same method as bench/allreduce/allreduce_bench.cc: float32 sum in place on views of one buffer
of the largest size (allocated and touched once), a correctness round per size, warmup, then
timed iterations each after a barrier; an iteration's time is the slowest rank's; the reported
time is the median over iterations. algbw = bytes/time, busbw = algbw * 2(n-1)/n, GB = 1e9.
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.distributed as dist


def timed_iterations(nbytes, scale):
    calls = min(200.0, max(10.0, (512 << 20) / nbytes))
    return max(3, round(calls * scale))


def measure(buffer, count, rank, n, scale):
    view = buffer[:count]
    nbytes = count * 4
    # Correctness: rank r contributes r+1 plus an index pattern; the sum is known.
    pattern = (torch.arange(count, dtype=torch.int64) % 7).to(torch.float32)
    view.copy_(pattern + float(rank + 1))
    dist.barrier()
    dist.all_reduce(view, op=dist.ReduceOp.SUM)
    expected = pattern * n + n * (n + 1) / 2.0
    wrong = torch.tensor([float((view != expected).sum().item())], dtype=torch.float64)
    del pattern, expected
    view.zero_()
    dist.all_reduce(wrong)

    iters = timed_iterations(nbytes, scale)
    warmup = max(3, iters // 10)
    for _ in range(warmup):
        dist.all_reduce(view)
    times = torch.zeros(iters * n, dtype=torch.float64)
    for i in range(iters):
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(view)
        times[i * n + rank] = (time.perf_counter() - start) * 1e6
    dist.all_reduce(times)
    per_iteration = times.view(iters, n).max(dim=1).values.tolist()
    median = statistics.median(per_iteration)
    algbw = nbytes / (median * 1e-6) / 1e9
    return {
        "bytes": nbytes, "count": count, "warmup": warmup, "iters": iters,
        "time_us": median, "mean_us": sum(per_iteration) / iters, "min_us": min(per_iteration),
        "algbw": algbw, "busbw": algbw * 2.0 * (n - 1) / n, "wrong": int(wrong.item()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-bytes", type=int, default=4096)
    parser.add_argument("--max-bytes", type=int, default=256 << 20)
    parser.add_argument("--extra-count", type=int, action="append", default=[],
                        help="an extra size in elements (repeatable)")
    parser.add_argument("--iter-scale", type=float, default=1.0)
    parser.add_argument("--json", help="write the rows here (rank 0)")
    args = parser.parse_args()

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method="env://")
    rank, n = dist.get_rank(), dist.get_world_size()

    counts, nbytes = [], args.min_bytes
    while nbytes <= args.max_bytes:
        counts.append(nbytes // 4)
        nbytes *= 2
    counts = sorted(set(counts + args.extra_count))
    buffer = torch.zeros(counts[-1], dtype=torch.float32)  # zeros: every page touched

    what = f"torch.distributed.all_reduce (gloo backend), torch {torch.__version__}"
    if rank == 0:
        print(f"# torch_allreduce.py: {n} ranks, float32 sum, in place")
        print(f"# {what}")
        print("# time = median over timed iterations of the slowest rank's call, each "
              "iteration after a barrier")
        print("#")
        head = "# {:>10} {:>12} {:>8} {:>6} {:>6} {:>6} {:>10} {:>8} {:>8} {:>7}"
        print(head.format("size", "count", "type", "redop", "warmup", "iters", "time", "algbw",
                          "busbw", "#wrong"))
        print(head.format("(B)", "(elements)", "", "", "", "", "(us)", "(GB/s)", "(GB/s)", ""))
        sys.stdout.flush()
    rows = []
    for count in counts:
        row = measure(buffer, count, rank, n, args.iter_scale)
        rows.append(row)
        if rank == 0:
            print("  {:>10} {:>12} {:>8} {:>6} {:>6} {:>6} {:>10.1f} {:>8.3f} {:>8.3f} {:>7}".format(
                row["bytes"], row["count"], "float", "sum", row["warmup"], row["iters"],
                row["time_us"], row["algbw"], row["busbw"], row["wrong"]))
            sys.stdout.flush()
    wrong = sum(r["wrong"] for r in rows)
    avg = sum(r["busbw"] for r in rows) / len(rows)
    if rank == 0:
        print(f"# Out of bounds values : {wrong} {'OK' if wrong == 0 else 'FAILED'}")
        print(f"# Avg bus bandwidth    : {avg:g} ")
        print("#")
        sys.stdout.flush()
        if args.json:
            with open(args.json, "w") as out:
                json.dump({"backend": "torch-gloo", "library": what, "world_size": n,
                           "type": "float", "redop": "sum", "in_place": True,
                           "timing": "median over iterations of the slowest rank; barrier "
                                     "before each iteration",
                           "units": {"time": "us", "algbw": "GB/s", "busbw": "GB/s"},
                           "avg_busbw": avg, "wrong": wrong, "rows": rows}, out, indent=1)
    dist.barrier()
    dist.destroy_process_group()
    return 0 if wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
