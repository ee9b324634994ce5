#!/usr/bin/python3
"""The licence-clean default (dlib with flip + faceres, each levelled against its own cohort) on the README's main-job
catalog: how the group cut's match probability trades grouped images in mixed groups against BCubed F, on the fitting
people (the pairsDevTrain people's 3,443 LFW dev images), the held-out people and all of LFW dev; and two scores measured
and not adopted: a per-face quality shift of the levels (the stored `signals` quality, its weight from a logistic fit on
the fitting pairs) and adaptive S-norm (each member's score z-normalised by the mean and deviation of the two faces'
top-K cohort scores). Groups are numpy's average linkage inside components, as bench/peers/doppel_vectors.py builds them.

usage: group_policy_study.py CATALOG.db   (`doppel dedup ../shared/data/lfw-dev/images --db CATALOG.db`, default model)"""
import csv, math, os, sqlite3, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doppel_vectors as D

COH = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../src/Doppel.Vision/Embedding/Cohorts')
ROOT = os.path.join(D.SH, 'lfw-dev')
W, T_PAIR, SLOPE, INTERCEPT, FB_D, FB_F, FIT_FACES = 0.14, 0.0304, 202.447, -6.440, 0.9147, 0.5517, 3443  # RecognitionProfiles.LicenceCleanFusion

rows = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True).execute(
    "select m.path, e.vector, f.quality from face_embeddings e join faces f on f.id = e.face_id join media_files m on m.id = f.media_id "
    "where e.model = 'dlib-resnet29+faceres' order by m.path").fetchall()
V = np.stack([np.frombuffer(r[1], dtype='<f4') for r in rows]).astype(np.float64)
q = np.array([r[2] for r in rows], dtype=float)
Xd, Xf = V[:, :128], V[:, 128:]  # the fused vector: dlib × √0.86, faceres × √0.14, side by side
Xd /= np.linalg.norm(Xd, axis=1, keepdims=True); Xf /= np.linalg.norm(Xf, axis=1, keepdims=True)
lab = {os.path.normpath(os.path.join(ROOT, r['path'])): r['identity'] for r in csv.DictReader(open(ROOT + '/labels.csv'))}
Y = np.array([lab[D.rel(r[0], ROOT)] for r in rows]); SAME = Y[:, None] == Y[None, :]
FIT = np.isin(Y, list(D.people('pairsDevTrain.txt'))); HO = np.isin(Y, list(D.people('pairsDevTest.txt'))); ALL = np.ones(len(Y), bool)
Cd, Cf = D.read_cohort(f'{COH}/dlib-resnet29.int8.flip.cohort'), D.read_cohort(f'{COH}/faceres.cohort')
Sd, Sf = Xd @ Xd.T, Xf @ Xf.T

def levels(X, C, fallback):
    T = X @ C.T; T[T >= 0.95] = np.nan; lv = np.nanquantile(T, 0.995, axis=1); lv[(~np.isnan(T)).sum(1) < 100] = fallback; return lv

def tri(M, mask):
    idx = np.where(mask)[0]; return M[np.ix_(idx, idx)][np.triu_indices(len(idx), 1)]

def best(N, mask):
    s, t = tri(N, mask), tri(SAME, mask); o = np.argsort(-s); tp = np.cumsum(t[o]); f = 2 * tp / (np.arange(1, len(o) + 1) + t.sum())
    i = int(np.argmax(f)); return float(f[i]), float(s[o][i])

def logistic(X, t):  # Newton's method on standardised features; returns the coefficients and intercept on the raw scale
    mu, sd = X.mean(0), X.std(0); Z = np.c_[(X - mu) / sd, np.ones(len(X))]; w = np.zeros(Z.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-Z @ w)); H = (Z * (p * (1 - p))[:, None]).T @ Z; step = np.linalg.solve(H, Z.T @ (p - t)); w -= step
        if np.abs(step).max() < 1e-12: break
    return w[:-1] / sd, w[-1] - (w[:-1] * mu / sd).sum()

def groups(N, mask, th, slope, intercept, p):
    n = int(mask.sum()); logit = math.log(p / (1 - p)) + max(0.0, math.log(n / FIT_FACES))
    cut = max(th, (logit - intercept) / slope); idx = np.where(mask)[0]
    return cut, D.scores(D.average(N[np.ix_(idx, idx)], th, cut), Y[idx])

def row(name, N, th, slope, intercept, p=0.6):
    out = [name]
    for label, mask in (('fitting', FIT), ('held-out', HO), ('all', ALL)):
        s, t = tri(N, mask), tri(SAME, mask); k = s >= th; tp = (k & t).sum(); P, R = tp / max(k.sum(), 1), tp / t.sum()
        cut, g = groups(N, mask, th, slope, intercept, p)
        out.append(f'{label}: pair F1 {2 * P * R / (P + R):.3f}, cut {cut:.4f}, mixed {100 * g["mixed"]:.2f} %, BCubed F {g["bF"]:.3f}, group-pair F {g["pF"]:.3f}')
    print('\n  '.join(out), flush=True)

lv = (1 - W) * levels(Xd, Cd, FB_D) + W * levels(Xf, Cf, FB_F)
N = (1 - W) * Sd + W * Sf - (lv[:, None] + lv[None, :]) / 2
print('== the group cut\'s match probability (the profile as pinned)')
for p in (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
    row(f'p {p}', N, T_PAIR, SLOPE, INTERCEPT, p)

print('== a per-face quality shift of the levels (low quality: a higher level), refitted; groups at p 0.6')
s, t = tri(N, FIT), tri(SAME, FIT).astype(float); near = s > T_PAIR - 0.1
coef, _ = logistic(np.c_[s[near], tri(np.add.outer(q, q) / 2, FIT)[near]], t[near]); gamma = -coef[1] / coef[0]
for g in (gamma / 2, gamma, 1.5 * gamma):
    lq = lv + g * (q.mean() - q); Nq = (1 - W) * Sd + W * Sf - (lq[:, None] + lq[None, :]) / 2
    f, th = best(Nq, FIT); sq = tri(Nq, FIT); k = sq > th - 0.1; c, b = logistic(sq[k][:, None], t[k])
    row(f'quality weight {g:.4f}: fitting F1 {f:.4f} (pinned score: {best(N, FIT)[0]:.4f})', Nq, th, c[0], b)

print('== adaptive S-norm (top-K cohort mean and deviation per member), fitting F1 over faceres weights (pinned score above)')
def snorm(S, X, C, k):
    T = X @ C.T; T[T >= 0.95] = -np.inf; T = -np.sort(-T, axis=1)[:, :k]; m, d = T.mean(1), T.std(1)
    return ((S - m[:, None]) / d[:, None] + (S - m[None, :]) / d[None, :]) / 2
for k in (50, 200):
    Zd, Zf = snorm(Sd, Xd, Cd, k), snorm(Sf, Xf, Cf, k)
    print(f'  K {k}: ' + ', '.join(f'weight {w}: {best((1 - w) * Zd + w * Zf, FIT)[0]:.4f}' for w in (0.1, 0.14, 0.2, 0.3)), flush=True)
