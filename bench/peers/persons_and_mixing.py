#!/usr/bin/python3
"""Persons and mixed groups on the licence-clean profile's normalised score (docs/benchmarks-clustering.md, "Persons on
normalised scores"; docs/benchmarks.md, "Mixed groups on all of LFW dev"). Vectors from doppel catalogs (one face per
image); levels against the profile's reference cohort as Doppel computes them (q 0.995, members >= 0.95 left out).
Sets: the LFW dev people of pairsDevTrain (fitting), the other LFW dev people (held-out), all of LFW dev, ORL, Yale.
Prints, per set, BCubed F / pairwise F / share of grouped images in mixed clusters for:
  raw DBSCAN eps 0.04; DBSCAN (single linkage) on the normalised score; average linkage at several cuts; mutual k-NN;
  the group cut with the set-size prior shift (ln(n / 3443) log-odds above 3,443 faces);
then lists the mixed groups of all LFW dev at the p 0.6 cut: size, names (with photo counts), each member's mean and
best score inside its group, and counts how many look like LFW label aliases or hold an off-centre face.

usage: persons_and_mixing.py LFW_DB ORL_DB YALE_DB COHORT [persons CATALOG]   (persons: score faces.person_id of CATALOG)"""
import sys, os, csv, sqlite3, math, re, difflib
from collections import Counter
import numpy as np
from scipy.sparse.csgraph import connected_components
from scipy.sparse import csr_matrix
from scipy.cluster.hierarchy import linkage, fcluster
from scipy.spatial.distance import squareform

SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/data')
Q, EXCL, FALLBACK, SLOPE, INTERCEPT, FIT_FACES = 0.995, 0.95, 0.9118, 237.66, -6.729, 3443
T_PAIR = 0.0271
CUT_P06 = (math.log(0.6 / 0.4) - INTERCEPT) / SLOPE

def read_cohort(f):
    b = open(f, 'rb').read(); d, n, lv = np.frombuffer(b[8:20], dtype='<i4')
    C = np.frombuffer(b[20 + lv:], dtype='<f2').astype(np.float32).reshape(n, d).astype(np.float64)
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

def mutual_average(N, t, cut, k):  # pairs join only between mutual k-nearest neighbours (a hub test)
    M = N.copy(); np.fill_diagonal(M, -np.inf); kth = -np.sort(-M, axis=1)[:, k - 1]
    return average(np.where((M >= kth[:, None]) & (M >= kth[None, :]), N, np.minimum(N, t - 1e-6)), t, cut)

def size_cut(n):
    logit = math.log(0.6 / 0.4) + max(0.0, math.log(n / FIT_FACES))
    return max(T_PAIR, (logit - INTERCEPT) / SLOPE)

C = read_cohort(sys.argv[4])
S, N, y, off = load(sys.argv[1], f'{SH}/lfw-dev', C)
if len(sys.argv) > 6 and sys.argv[5] == 'persons':
    c = sqlite3.connect(sys.argv[6]); root = f'{SH}/lfw-dev'
    lab = {os.path.normpath(os.path.join(root, r['path'])): r['identity'] for r in csv.DictReader(open(root + '/labels.csv'))}
    rows = c.execute("select m.path, f.person_id from faces f join media_files m on m.id = f.media_id order by m.path").fetchall()
    yy = np.array([lab[rel(r[0], root)] for r in rows]); g = np.array([r[1] if r[1] is not None else -1 for r in rows])
    tr = np.array([v in people('pairsDevTrain.txt') for v in yy])
    print('persons, all LFW dev', scores(g, yy)); print('persons, held-out faces', scores(g[~tr], yy[~tr])); sys.exit()
tr = np.array([v in people('pairsDevTrain.txt') for v in y])
D = {'fitting': (S[np.ix_(tr, tr)], N[np.ix_(tr, tr)], y[tr]), 'held-out': (S[np.ix_(~tr, ~tr)], N[np.ix_(~tr, ~tr)], y[~tr]), 'all LFW dev': (S, N, y)}
for name, db in (('ORL', sys.argv[2]), ('Yale', sys.argv[3])):
    s, n, yy, _ = load(db, f'{SH}/{name.lower()}', C); D[name] = (s, n, yy)
def row(label, f):
    print(f'{label:34s}', ' | '.join(f"{k} {r['bF']:.3f}/{r['pF']:.3f}/{r['mixed']:.3f}" for k, (s, n, yy) in D.items() for r in [f(s, n, yy)]), flush=True)
print('per set: BCubed F / pairwise F / share of grouped images in mixed clusters')
row('raw DBSCAN eps 0.04', lambda s, n, yy: scores(single(s, 0.96), yy))
for t in (0.03, 0.0325, 0.035):
    row(f'normalised DBSCAN {t}', lambda s, n, yy: scores(single(n, t), yy))
for cut in (0.0225, 0.025, T_PAIR, CUT_P06):
    row(f'normalised average cut {cut:.4f}', lambda s, n, yy: scores(average(n, T_PAIR, cut), yy))
for k in (1, 3, 5):
    row(f'mutual {k}-NN, average p 0.6', lambda s, n, yy: scores(mutual_average(n, T_PAIR, CUT_P06, k), yy))
row('average, p 0.6 + set-size prior', lambda s, n, yy: scores(average(n, T_PAIR, size_cut(len(yy))), yy))

g = average(N, T_PAIR, CUT_P06); idc = Counter(y)
groups = {}
for i, l in enumerate(g):
    if l >= 0: groups.setdefault(l, []).append(i)
mixed = [m for m in groups.values() if len(set(y[m])) > 1]
def toks(a): return [t for t in re.split('[_-]', a.lower()) if len(t) >= 3]
def alias(a, b): return set(toks(a)) == set(toks(b)) or toks(a)[-1] == toks(b)[-1] or difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() > 0.8
aliases = [m for m in mixed if all(alias(a, b) for a in set(y[m]) for b in set(y[m]) if a < b)]
offc = [m for m in mixed if any(off[i] > 40 for i in m)]
print(f'\nall LFW dev at p 0.6: {len(mixed)} mixed groups, {sum(len(m) for m in mixed)} of {sum(len(m) for m in groups.values())} grouped images; '
      f'by size {sorted(Counter(len(m) for m in mixed).items())}; names like aliases: {len(aliases)} groups ({sum(len(m) for m in aliases)} images) '
      f'{[sorted(set(y[m])) for m in aliases]}; with a face > 40 px off the image centre: {len(offc)} groups ({sum(len(m) for m in offc)} images)')
for m in sorted(mixed, key=len, reverse=True):
    print(len(m), ' | '.join(f'{y[i]}({idc[y[i]]}) mean {np.mean(N[i, [j for j in m if j != i]]):.4f} best {np.max(N[i, [j for j in m if j != i]]):.4f}' for i in m))
