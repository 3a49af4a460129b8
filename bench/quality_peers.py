"""The peers of `npm run bench:quality`: XGBoost and scikit-learn's IsolationForest on SynthAD's encoded rows.

bench/quality.ts encodes the rows with SynthAD's encoder (fitted as `Detector.fit` fits it) and writes them
here as little-endian float32 matrices (row-major), the training labels as uint8 (1 = known anomaly, 0 = normal).
This script fits the peers asked for and writes each one's test scores (float64, higher = more anomalous);
bench/quality.ts computes every metric itself, with SynthAD's metrics, so all columns are computed the same way.

    python3 bench/quality_peers.py --check          one JSON line: the version of numpy, xgboost, sklearn (null: missing)
    python3 bench/quality_peers.py JOB.json         fits the peers JOB.json names; one JSON line: seconds per peer

JOB.json: {"train": path, "labels": path, "test": path, "width": int, "trainRows": int, "testRows": int,
"seed": int, "threads": int, "peers": ["xgboost", "sk-iforest"], "out": folder}; scores go to out/PEER.bin.
XGBoost: normal vs known anomalies, 300 rounds, depth 6, learning rate 0.1, tree_method hist, other
parameters at their defaults; scores are its margins (log-odds), which rank as its probabilities do without
ties from saturation. IsolationForest: 100 trees, max_samples 256, fitted on the normal training rows,
random_state = seed; scores are -score_samples.

A benchmarking aid only (Debian's python3-xgboost and python3-sklearn); SynthAD never needs Python.
"""
import importlib
import json
import sys
import time


def versions():
    out = {}
    for name in ("numpy", "xgboost", "sklearn"):
        try:
            out[name] = importlib.import_module(name).__version__
        except ImportError:
            out[name] = None
    return out


def read_matrix(np, path, rows, width):
    x = np.fromfile(path, dtype="<f4")
    if x.size != rows * width:
        raise SystemExit(f"{path}: expected {rows} x {width} float32 values, found {x.size}")
    return x.reshape(rows, width)


def xgboost_scores(np, x, y, test, seed, threads):
    import xgboost as xgb

    params = {
        "objective": "binary:logistic",
        "max_depth": 6,
        "eta": 0.1,
        "tree_method": "hist",
        "seed": seed,
        "nthread": threads,
    }
    booster = xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=300)
    return booster.predict(xgb.DMatrix(test), output_margin=True).astype(np.float64)


def iforest_scores(np, x, y, test, seed, threads):
    from sklearn.ensemble import IsolationForest

    normals = x[y == 0]
    forest = IsolationForest(n_estimators=100, max_samples=min(256, len(normals)), random_state=seed, n_jobs=threads)
    forest.fit(normals)
    return (-forest.score_samples(test)).astype(np.float64)


PEERS = {"xgboost": xgboost_scores, "sk-iforest": iforest_scores}


def main():
    if sys.argv[1:] == ["--check"]:
        print(json.dumps(versions()))
        return
    if len(sys.argv) != 2:
        raise SystemExit("usage: quality_peers.py --check | quality_peers.py JOB.json")
    import numpy as np

    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    width = job["width"]
    x = read_matrix(np, job["train"], job["trainRows"], width)
    test = read_matrix(np, job["test"], job["testRows"], width)
    y = np.fromfile(job["labels"], dtype=np.uint8)
    if y.size != job["trainRows"]:
        raise SystemExit(f"{job['labels']}: expected {job['trainRows']} labels, found {y.size}")
    seconds = {}
    for peer in job["peers"]:
        if peer not in PEERS:
            raise SystemExit(f"unknown peer '{peer}' (peers: {', '.join(PEERS)})")
        t0 = time.perf_counter()
        scores = PEERS[peer](np, x, y, test, job["seed"], job["threads"])
        seconds[peer] = time.perf_counter() - t0
        scores.astype("<f8").tofile(f"{job['out']}/{peer}.bin")
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main()
