"""The peer for `npm run bench:speed -- --peer`: the same training in PyTorch on the same rows.

Reads the encoded training and validation matrices that bench/speed.ts wrote (float32 rows, then
float32 targets in {+1, -1}, training then validation), builds the paper's MLP (d -> 500 -> 500 -> 1,
LeakyReLU), and trains it with hinge loss, AdamW (lr 1e-3, weight decay 1e-2), batch 1024, shuffled each
epoch, with the validation loss after every epoch (as early stopping needs): SynthAD's training loop.
Prints one JSON line per thread count: seconds per epoch and training rows per second. bench/speed.ts runs
one thread count per process: PyTorch's thread pool keeps the size it first ran with, so a second count in
the same process is measured at far below its speed.

A benchmarking aid only (Debian's python3-torch); SynthAD never needs Python.

    python3 bench/peer_torch.py MATRIX.bin ROWS VAL_ROWS COLS EPOCHS THREADS[,THREADS...]
"""
import json
import sys
import time

import numpy as np
import torch


def main():
    path, rows, val_rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    epochs, threads = int(sys.argv[5]), sys.argv[6]
    raw = np.fromfile(path, dtype=np.float32)

    def take(offset, n):
        x = torch.from_numpy(raw[offset: offset + n * cols].reshape(n, cols).copy())
        y = torch.from_numpy(raw[offset + n * cols: offset + n * cols + n].reshape(n, 1).copy())
        return x, y, offset + n * cols + n

    x, y, offset = take(0, rows)
    vx, vy, _ = take(offset, val_rows)
    for n in [int(t) for t in threads.split(',')]:
        torch.set_num_threads(n)
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(cols, 500), torch.nn.LeakyReLU(),
            torch.nn.Linear(500, 500), torch.nn.LeakyReLU(),
            torch.nn.Linear(500, 1),
        )
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
        times = []
        for _ in range(epochs):
            t0 = time.perf_counter()
            order = torch.randperm(rows)
            total = 0.0
            for start in range(0, rows, 1024):
                idx = order[start:start + 1024]
                xb, yb = x[idx], y[idx]
                opt.zero_grad()
                loss = torch.clamp(1 - yb * model(xb), min=0).mean()
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            with torch.no_grad():
                val_loss = torch.clamp(1 - vy * model(vx), min=0).mean().item()
            times.append(time.perf_counter() - t0)
        median = sorted(times)[len(times) // 2]
        print(json.dumps({
            'peer': f'PyTorch {torch.__version__}', 'threads': n, 'secondsPerEpoch': median,
            'rowsPerSecond': rows / median, 'lastLoss': total / rows, 'lastValLoss': val_loss,
        }), flush=True)


if __name__ == '__main__':
    main()
