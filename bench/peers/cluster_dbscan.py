#!/usr/bin/python3
"""Peer for DBSCAN: scikit-learn's DBSCAN(metric='cosine') on a shared .npy file.

usage: cluster_dbscan.py VECTORS.npy EPS MIN_SAMPLES LABELS_OUT.npy [REPEATS]
Writes the labels as int32 .npy (read by `Doppel.Clustering.Bench dbscan ... LABELS_OUT.npy`) and
prints one JSON line with the best wall time over REPEATS runs. Uses Debian's python3-sklearn.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN


def main():
    path, eps, min_samples, out = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    x = np.load(path)
    if x.dtype != np.float32 or x.ndim != 2:
        sys.exit(f"{path}: expected a 2-D float32 array, found {x.dtype} {x.shape}")
    times = []
    labels = None
    for _ in range(repeats):
        start = time.perf_counter()
        # brute is what 'auto' picks for cosine; n_jobs=-1 lets sklearn use every core, as we do.
        labels = DBSCAN(eps=eps, min_samples=min_samples, metric="cosine", algorithm="brute", n_jobs=-1).fit(x).labels_
        times.append(time.perf_counter() - start)
    np.save(out, labels.astype(np.int32))
    print(json.dumps({
        "peer": "sklearn.cluster.DBSCAN", "sklearn": sklearn.__version__, "n": int(x.shape[0]),
        "eps": eps, "min_samples": min_samples, "seconds_best": min(times), "seconds_all": times,
        "clusters": int(len(set(labels[labels >= 0].tolist()))), "noise": int((labels < 0).sum()),
    }))


if __name__ == "__main__":
    main()
