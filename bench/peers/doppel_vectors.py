#!/usr/bin/python3
"""What the peer scripts on the licence-clean profile share: dlib-resnet29 vectors and labels from a doppel catalog (one
face per image), levels against the profile's reference cohort as Doppel computes them (q 0.995, members >= 0.95 left
out), the normalised score, the LFW dev split by pairs lists, BCubed / pairwise F / mixed share of a grouping, and the
groupings Doppel runs (single linkage, average linkage inside components, the set-size group cut).
Constants are the profile's (src/Doppel.Vision/Embedding/RecognitionProfile.cs)."""
import os, csv, sqlite3, math
from collections import Counter
import numpy as np
from scipy.sparse.csgraph import connected_components
from scipy.sparse import csr_matrix
from scipy.cluster.hierarchy import linkage, fcluster
from scipy.spatial.distance import squareform

SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/data')
Q, EXCL, FALLBACK, SLOPE, INTERCEPT, FIT_FACES = 0.995, 0.95, 0.9147, 260.432, -7.291, 3443  # with flip (the default since session 9)
T_PAIR = 0.0272
CUT_P06 = (math.log(0.6 / 0.4) - INTERCEPT) / SLOPE

def read_cohort(f):
    b = open(f, 'rb').read(); d, n, lv = np.frombuffer(b[8:20], dtype='<i4')
    C = np.frombuffer(b[20 + lv:], dtype='<i1' if b[:8] == b'DPCOHRT8' else '<f2').astype(np.float32).reshape(n, d).astype(np.float64)
    return C / np.linalg.norm(C, axis=1, keepdims=True)

def rel(path, root):  # catalog paths may sit under another mount: keep the part below the data folder
    base = '/' + os.path.basename(root) + '/'
    return os.path.normpath(os.path.join(root, path.split(base, 1)[1] if base in path else path))

def load(db, root, C):
    c = sqlite3.connect(db)
    rows = c.execute("select m.path, e.vector, f.box_x + f.box_w / 2, f.box_y + f.box_h / 2, m.width, m.height from face_embeddings e "
                     "join faces f on f.id = e.face_id join media_files m on m.id = f.media_id where e.model = 'dlib-resnet29' order by m.path").fetchall()
    lab = {os.path.normpath(os.path.join(root, r['path'])): r['identity'] for r in csv.DictReader(open(root + '/labels.csv'))}
    X = np.stack([np.frombuffer(r[1], dtype='<f4') for r in rows]).astype(np.float64); X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.array([lab[rel(r[0], root)] for r in rows])
    off = np.array([math.hypot(r[2] - r[4] / 2, r[3] - r[5] / 2) for r in rows])
    T = X @ C.T; T[T >= EXCL] = np.nan; lv = np.nanquantile(T, Q, axis=1); lv[(~np.isnan(T)).sum(1) < 100] = FALLBACK
    S = X @ X.T
    return S, S - (lv[:, None] + lv[None, :]) / 2, y, off

def people(f):
    s = set()
    for l in open(f'{SH}/lfw-dev/{f}').read().split('\n')[1:]:
        p = l.split()
        if len(p) == 3: s.add(p[0])
        elif len(p) == 4: s.add(p[0]); s.add(p[2])
    return s

def scores(g, y):
    n = len(y); g = g.copy(); nx = g.max() + 1
    for i in range(n):
        if g[i] < 0: g[i] = nx; nx += 1
    by = {}
    for i in range(n): by.setdefault(g[i], []).append(i)
    idc = Counter(y); P = R = 0
    for i in range(n):
        m = by[g[i]]; same = sum(1 for j in m if y[j] == y[i]); P += same / len(m); R += same / idc[y[i]]
    P /= n; R /= n
    tp = sum(c * (c - 1) // 2 for m in by.values() for c in Counter(y[m]).values())
    pp = sum(len(m) * (len(m) - 1) // 2 for m in by.values()); tt = sum(c * (c - 1) // 2 for c in idc.values())
    gp, gr = tp / max(pp, 1), tp / tt
    grouped = [m for m in by.values() if len(m) > 1]
    mixed = sum(len(m) for m in grouped if len(set(y[m])) > 1); ng = sum(len(m) for m in grouped)
    return dict(bF=2 * P * R / (P + R), pF=2 * gp * gr / max(gp + gr, 1e-9), mixed=mixed / max(ng, 1))

def single(N, t):
    A = N >= t; np.fill_diagonal(A, False); _, lab = connected_components(csr_matrix(A), directed=False)
    return np.where(np.bincount(lab)[lab] > 1, lab, -1)

def average(N, t, cut):
    A = N >= t; np.fill_diagonal(A, False); nc, lab = connected_components(csr_matrix(A), directed=False)
    out = np.full(len(N), -1); nxt = 0
    for c in range(nc):
        idx = np.where(lab == c)[0]
        if len(idx) == 1: continue
        d = np.maximum(0, 1 - N[np.ix_(idx, idx)]); np.fill_diagonal(d, 0); d = (d + d.T) / 2
        f = fcluster(linkage(squareform(d, checks=False), method='average'), 1 - cut, criterion='distance')
        for v in np.unique(f):
            m = idx[f == v]
            if len(m) > 1: out[m] = nxt; nxt += 1
    return out

def size_cut(n):
    logit = math.log(0.6 / 0.4) + max(0.0, math.log(n / FIT_FACES))
    return max(T_PAIR, (logit - INTERCEPT) / SLOPE)

