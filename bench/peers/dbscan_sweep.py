#!/usr/bin/python3
"""Peer for the persons' clustering: scikit-learn's DBSCAN (cosine, brute force) over a grid of eps on a `doppel export
embeddings` file, scored against a labels.csv as Doppel's `eval cluster` scores (BCubed F, pairwise F, grouped images in
mixed clusters; noise = singletons). eps is chosen on the scored set itself, so its best row is an upper bound for the peer.

usage: dbscan_sweep.py VECTORS.npy LABELS.csv [EPS,EPS,...]   (VECTORS.ids.txt beside the .npy; ids are absolute paths or
paths relative to the labels' folder, as `eval cluster --embeddings` accepts)"""
import csv, os, sys
import numpy as np
from sklearn.cluster import DBSCAN
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doppel_vectors as D

npy, labels = sys.argv[1], sys.argv[2]
grid = [float(e) for e in sys.argv[3].split(',')] if len(sys.argv) > 3 else [0.06, 0.07, 0.08, 0.09, 0.1, 0.11]
X = np.load(npy).astype(np.float64); X /= np.linalg.norm(X, axis=1, keepdims=True)
folder = os.path.dirname(os.path.abspath(labels))
lab = {os.path.normpath(os.path.join(folder, r['path'])): r['identity'] for r in csv.DictReader(open(labels))}
ids = [l.rstrip('\n').split('#')[0] for l in open(npy[:-4] + '.ids.txt')]
y = np.array([lab[os.path.normpath(os.path.join(folder, i))] for i in ids])
for eps in grid:
    g = DBSCAN(eps=eps, min_samples=2, metric='cosine', algorithm='brute').fit(X).labels_
    s = D.scores(g, y)
    print(f'eps {eps}: BCubed F {s["bF"]:.4f}, pairwise F {s["pF"]:.4f}, grouped images in mixed clusters {100 * s["mixed"]:.2f} %', flush=True)
