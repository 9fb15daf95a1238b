#!/usr/bin/python3
"""PyTorch reference for bench/cpu_benchmark.py: the job of bench/fashion-mnist-bench.yaml.

MLP 784-256-256-10 relu, He normal init (kaiming_normal_, fan_in, relu gain) and zero biases,
SGD momentum 0.9 lr 0.05 (no nesterov, no weight decay), global batch 256 with the short last
batch kept, a fresh shuffle each epoch, features standardised with the file's
feature_mean/feature_std (std < 1e-6 treated as 1), all data preloaded into tensors.

Timed like slipway's train_samples_per_sec: only the training steps (index gather of the
batch, forward, backward incl. the DDP allreduce, optimizer step) on rank 0; loading and the
final evaluation are outside the clock.

  single process:  torch_mlp.py --data F --threads N --out result.json
  DDP (gloo):      mpirun -np 2 -x MASTER_ADDR -x MASTER_PORT torch_mlp.py --ddp --threads 1 ...
                   (rank and world size from OMPI_COMM_WORLD_RANK/SIZE, or RANK/WORLD_SIZE)
Each rank takes its contiguous half of every global batch of a permutation shared by all ranks.
"""
import argparse
import json
import os
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def load(path):
    with h5py.File(path, "r") as f:
        mean = np.asarray(f.attrs["feature_mean"], dtype=np.float32)
        std = np.asarray(f.attrs["feature_std"], dtype=np.float32)
        scale = np.where(std < 1e-6, np.float32(1), 1 / std).astype(np.float32)

        def split(name):
            x = np.asarray(f[f"/{name}/x"], dtype=np.float32)
            x = (x - mean) * scale
            y = np.asarray(f[f"/{name}/y"], dtype=np.int64)
            return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)

        return split("train"), split("test")


def make_model(seed):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--global-batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--ddp", action="store_true")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: all)")
    p.add_argument("--out", help="JSON result (rank 0)")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    rank, world = 0, 1
    if a.ddp:
        env = os.environ
        rank = int(env.get("OMPI_COMM_WORLD_RANK", env.get("RANK", "0")))
        world = int(env.get("OMPI_COMM_WORLD_SIZE", env.get("WORLD_SIZE", "1")))
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        torch.distributed.init_process_group("gloo", init_method="env://", rank=rank,
                                             world_size=world)

    (x, y), (tx, ty) = load(a.data)
    model = make_model(a.seed)
    net = model
    if a.ddp:
        net = nn.parallel.DistributedDataParallel(model)  # broadcasts rank 0's parameters
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, nesterov=False,
                          weight_decay=0.0)

    n = x.shape[0]
    b = a.global_batch
    steps_per_epoch = (n + b - 1) // b
    train_seconds = 0.0
    samples = 0
    steps = 0
    loss_sum = torch.zeros(())
    epoch_loss = []
    total_steps = steps_per_epoch * a.epochs
    if a.max_steps:
        total_steps = min(total_steps, a.max_steps)
    for epoch in range(a.epochs):
        if steps >= total_steps:
            break
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(a.seed * 1000 + epoch))
        loss_sum.zero_()
        epoch_steps = 0
        for s in range(steps_per_epoch):
            if steps >= total_steps:
                break
            start = time.perf_counter()
            idx = perm[s * b:(s + 1) * b]
            rows = idx.shape[0]
            lo, hi = rows * rank // world, rows * (rank + 1) // world
            mine = idx[lo:hi]
            xb = x.index_select(0, mine)
            yb = y.index_select(0, mine)
            out = net(xb)
            # Sum over this rank's rows / global rows, x world because DDP averages: the
            # gradient is exactly the global-batch mean for any split.
            loss = F.cross_entropy(out, yb, reduction="sum") * (world / rows)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            train_seconds += time.perf_counter() - start
            loss_sum += loss.detach()
            samples += rows
            steps += 1
            epoch_steps += 1
        epoch_loss.append(float(loss_sum) / max(1, epoch_steps))

    result = None
    if rank == 0:
        model.eval()
        with torch.no_grad():
            logits = model(tx)
            acc = float((logits.argmax(1) == ty).float().mean())
            test_loss = float(F.cross_entropy(logits, ty))
        result = {
            "runner": "torch-ddp" if a.ddp else "torch",
            "world_size": world,
            "threads": a.threads,
            "torch_num_threads": torch.get_num_threads(),
            "epochs": a.epochs,
            "steps": steps,
            "train_samples": samples,
            "train_seconds": train_seconds,
            "train_samples_per_sec": samples / train_seconds,
            "test_accuracy": acc,
            "test_loss": test_loss,
            "final_train_loss_rank0": epoch_loss[-1],
            "torch": torch.__version__,
        }
        if a.out:
            with open(a.out + ".tmp", "w") as f:
                json.dump(result, f, indent=1)
            os.replace(a.out + ".tmp", a.out)
        print(json.dumps(result))
    if a.ddp:
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
