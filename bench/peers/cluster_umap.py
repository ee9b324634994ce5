#!/usr/bin/python3
"""Peer for UMAP: umap-learn (Debian's umap-learn package) on a shared .npy file.

usage: cluster_umap.py VECTORS.npy LAYOUT_OUT.npy COMPONENTS NEIGHBORS MIN_DIST EPOCHS SEED [TRUST_SAMPLE] [OURS.npy] [spectral|random]
Writes the layout as float32 .npy and prints one JSON line: wall time of fit_transform, and
sklearn's trustworthiness (k=5, cosine) on the first TRUST_SAMPLE rows, of umap-learn's layout
and, when given, of our layout OURS.npy (a cross-check of Doppel's own trustworthiness).
"""
import json
import sys
import time

import numpy as np


def main():
    path, out = sys.argv[1], sys.argv[2]
    components, neighbors, min_dist, epochs, seed = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    sample = int(sys.argv[8]) if len(sys.argv) > 8 else 2000
    ours = sys.argv[9] if len(sys.argv) > 9 and sys.argv[9] != "-" else None
    init = sys.argv[10] if len(sys.argv) > 10 else "spectral"
    x = np.load(path)
    import umap  # imported late: numba compiles on first use, outside the timed part below
    from sklearn.manifold import trustworthiness
    warm = umap.UMAP(n_neighbors=neighbors, n_components=components, min_dist=min_dist, n_epochs=10, metric="cosine", random_state=seed)
    warm.fit_transform(x[: min(len(x), 500)])
    model = umap.UMAP(n_neighbors=neighbors, n_components=components, min_dist=min_dist, n_epochs=epochs,
                      metric="cosine", random_state=seed, init=init)
    start = time.perf_counter()
    layout = model.fit_transform(x).astype(np.float32)
    seconds = time.perf_counter() - start
    np.save(out, layout)
    n = min(sample, len(x))
    record = {
        "peer": "umap-learn", "version": umap.__version__ if hasattr(umap, "__version__") else "0.5.3", "n": int(len(x)),
        "components": components, "neighbors": neighbors, "init": init, "min_dist": min_dist, "epochs": epochs, "seconds": seconds,
        "trust_sample": n, "trustworthiness_umap_learn": float(trustworthiness(x[:n], layout[:n], n_neighbors=5, metric="cosine")),
    }
    if ours:
        our_layout = np.load(ours)
        record["trustworthiness_doppel_by_sklearn"] = float(trustworthiness(x[:n], our_layout[:n], n_neighbors=5, metric="cosine"))
    print(json.dumps(record))


if __name__ == "__main__":
    main()
