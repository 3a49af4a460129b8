"""The peer for `npm run bench:gbt`: XGBoost's `hist` trees on the same float32 rows SynthAD trains on.

Reads the matrix bench/gbt.ts wrote (float32 training rows, row-major, then float32 labels 1 = anomaly,
0 = normal; then the float32 rows to score), trains `rounds` trees with the given depth, learning rate, bins
and threads (binary:logistic, lambda 1, min_child_weight 1, base score the prior as SynthAD's), then scores
the scoring rows. Prints one JSON line: training seconds (DMatrix and quantile sketch included, as SynthAD's
binning is) and scoring seconds (inplace_predict on the numpy array), each the best of `repeats`.

A benchmarking aid only (Debian's python3-xgboost); SynthAD never needs Python. One thread count per process.

    python3 bench/peer_xgboost.py MATRIX.bin ROWS COLS SCORE_ROWS ROUNDS DEPTH ETA BINS THREADS REPEATS
"""
import json
import sys
import time

import numpy as np
import xgboost as xgb


def main():
    path = sys.argv[1]
    rows, cols, score_rows = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rounds, depth, eta, bins = int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
    threads, repeats = int(sys.argv[9]), int(sys.argv[10])
    raw = np.fromfile(path, dtype=np.float32)
    x = raw[: rows * cols].reshape(rows, cols)
    y = raw[rows * cols: rows * cols + rows]
    xs = raw[rows * cols + rows: rows * cols + rows + score_rows * cols].reshape(score_rows, cols)
    prior = float(y.mean())
    params = {
        'objective': 'binary:logistic', 'tree_method': 'hist', 'max_depth': depth, 'eta': eta,
        'max_bin': bins, 'lambda': 1.0, 'min_child_weight': 1.0, 'nthread': threads,
        'base_score': prior, 'verbosity': 0,
    }
    train_s, score_s = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        booster = xgb.train(params, xgb.DMatrix(x, label=y, nthread=threads), num_boost_round=rounds)
        train_s.append(time.perf_counter() - t0)
        booster.inplace_predict(xs[:1000], predict_type='margin')  # warm-up
        t0 = time.perf_counter()
        margin = booster.inplace_predict(xs, predict_type='margin')
        score_s.append(time.perf_counter() - t0)
    print(json.dumps({
        'peer': f'XGBoost {xgb.__version__}', 'threads': threads, 'trainSeconds': min(train_s),
        'scoreSeconds': min(score_s), 'meanMargin': float(np.mean(margin)),
    }), flush=True)


if __name__ == '__main__':
    main()
