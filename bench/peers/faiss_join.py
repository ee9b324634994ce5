#!/usr/bin/python3
"""faiss peer for the Doppel search benchmarks (Debian's python3-faiss, CPU).

  faiss_join.py exact IN.npy THRESHOLD [THREADS] [FIRST_ROWS]
      all pairs i<j with inner product >= THRESHOLD via IndexFlatIP.range_search.
  faiss_join.py hnsw IN.npy THRESHOLD M EFC EFS K [RECALL_SAMPLE] [THREADS]
      IndexHNSWFlat (inner product) built with M/efConstruction, then every vector searched with
      efSearch for its K nearest; pairs >= THRESHOLD from either end are kept (faiss 1.7.3 has no
      HNSW range search, so K must cover the largest cluster). Pair recall is measured the same way as
      the C# bench: exact matches of a random row sample against everything.
  faiss_join.py ivf IN.npy THRESHOLD NLIST NPROBE K [RECALL_SAMPLE] [THREADS]
      IndexIVFFlat (inner product) with NLIST k-means cells trained on 40 points per cell, every vector
      searched in its NPROBE nearest cells for its K nearest; pairs >= THRESHOLD from either end.
Rows are L2-normalised on load, as Doppel does.
"""
import resource
import sys
import time

import faiss
import numpy as np


def load(path):
    x = np.ascontiguousarray(np.load(path).astype(np.float32))
    faiss.normalize_L2(x)
    return x


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def exact(path, t, threads, first_rows=None):
    x = load(path)
    if first_rows:
        x = np.ascontiguousarray(x[:first_rows])
    n, d = x.shape
    faiss.omp_set_num_threads(threads)
    index = faiss.IndexFlatIP(d)
    index.add(x)
    start = time.perf_counter()
    lims, _, ids = index.range_search(x, t)
    seconds = time.perf_counter() - start
    rows = np.repeat(np.arange(n), np.diff(lims).astype(np.int64))
    pairs = int(np.count_nonzero(rows < ids))
    flops = float(n) * (n - 1) * d * 2  # range_search computes the full N x N product: 2·N²·d flops
    print(f"faiss exact N={n} d={d} t={t} threads={threads}: {seconds:.2f}s pairs={pairs} "
          f"({flops / seconds / 1e9:.1f} GFLOP/s counting its full N^2 product)")


def sampled_truth(x, t, sample):
    rng = np.random.default_rng(123)
    rows = rng.choice(x.shape[0], size=min(sample, x.shape[0]), replace=False)
    sims = x[rows] @ x.T
    truth = set()
    for qi, r in enumerate(rows):
        for c in np.nonzero(sims[qi] >= t)[0]:
            if c != r:
                truth.add((min(r, c), max(r, c)))
    return set(rows.tolist()), truth


def hnsw(path, t, m, efc, efs, k, sample, threads):
    x = load(path)
    n, d = x.shape
    faiss.omp_set_num_threads(threads)
    before = rss_mb()
    index = faiss.IndexHNSWFlat(d, m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = efc
    start = time.perf_counter()
    index.add(x)
    build = time.perf_counter() - start
    grown = rss_mb() - before
    index.hnsw.efSearch = max(efs, k)
    start = time.perf_counter()
    sims, ids = index.search(x, k)
    join = time.perf_counter() - start
    rows = np.repeat(np.arange(n), k)
    keep = (sims.ravel() >= t) & (ids.ravel() >= 0) & (ids.ravel() != rows)
    a, b = rows[keep], ids.ravel()[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(lo.astype(np.int64) * n + hi)
    print(f"faiss hnsw N={n} d={d} t={t} M={m} efC={efc} efS={max(efs, k)} k={k} threads={threads}: "
          f"build {build:.1f}s, join {join:.1f}s, total {build + join:.1f}s, pairs={pairs.size}, "
          f"max-RSS growth while building {grown * 1e6 / n:.0f} B/vector")
    sampled, truth = sampled_truth(x, t, sample)
    found = set()
    for p in pairs.tolist():
        i, j = divmod(p, n)
        if i in sampled or j in sampled:
            found.add((i, j))
    hit = sum(1 for p in truth if p in found)
    print(f"pair recall vs exact on {len(sampled)} sampled rows: {hit / max(1, len(truth)):.4f} ({len(truth)} true pairs touching them)")


def report_pairs(label, x, t, sims, ids, k, seconds_build, seconds_join, sample):
    n = x.shape[0]
    rows = np.repeat(np.arange(n), k)
    keep = (sims.ravel() >= t) & (ids.ravel() >= 0) & (ids.ravel() != rows)
    a, b = rows[keep], ids.ravel()[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(lo.astype(np.int64) * n + hi)
    print(f"{label}: build {seconds_build:.1f}s, join {seconds_join:.1f}s, total {seconds_build + seconds_join:.1f}s, pairs={pairs.size}")
    sampled, truth = sampled_truth(x, t, sample)
    found = set()
    for p in pairs.tolist():
        i, j = divmod(p, n)
        if i in sampled or j in sampled:
            found.add((i, j))
    hit = sum(1 for p in truth if p in found)
    print(f"pair recall vs exact on {len(sampled)} sampled rows: {hit / max(1, len(truth)):.4f} ({len(truth)} true pairs touching them)")


def ivf(path, t, nlist, nprobe, k, sample, threads):
    x = load(path)
    n, d = x.shape
    faiss.omp_set_num_threads(threads)
    quantizer = faiss.IndexFlatIP(d)
    index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.max_points_per_centroid = 40
    index.cp.spherical = True
    start = time.perf_counter()
    index.train(x)
    index.add(x)
    build = time.perf_counter() - start
    index.nprobe = nprobe
    start = time.perf_counter()
    sims, ids = index.search(x, k)
    join = time.perf_counter() - start
    report_pairs(f"faiss ivf N={n} d={d} t={t} nlist={nlist} nprobe={nprobe} k={k} threads={threads}", x, t, sims, ids, k, build, join, sample)


def main(argv):
    if len(argv) >= 3 and argv[0] == "exact":
        exact(argv[1], float(argv[2]), int(argv[3]) if len(argv) > 3 else 2, int(argv[4]) if len(argv) > 4 else None)
    elif len(argv) >= 7 and argv[0] == "hnsw":
        hnsw(argv[1], float(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6]),
             int(argv[7]) if len(argv) > 7 else 2000, int(argv[8]) if len(argv) > 8 else 2)
    elif len(argv) >= 6 and argv[0] == "ivf":
        ivf(argv[1], float(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]),
            int(argv[6]) if len(argv) > 6 else 2000, int(argv[7]) if len(argv) > 7 else 2)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
