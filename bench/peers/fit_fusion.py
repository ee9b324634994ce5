#!/usr/bin/python3
"""Fits the licence-clean fusion (dlib ResNet-29 with flip + faceres) the way RecognitionProfiles scores it: each member's
cosine minus the mean of the two faces' levels against the member's own reference cohort (q 0.995, members >= 0.95 left
out, at least 100, else the member's fallback), the fused score the weighted sum of the members' normalised scores.
Everything is fitted on the LFW dev images of the pairsDevTrain people (3,443 images) only; the pairsDevTest people are
held out. Prints the constants RecognitionProfiles pins and the held-out / all-of-LFW-dev figures of docs/benchmarks.md.

usage: fit_fusion.py DLIB_DB FACERES_DB [WEIGHTS]
  DLIB_DB: `doppel dedup ../shared/data/lfw-dev/images --db lfw.db --model dlib-resnet29` (flip, the 8-bit graph)
  FACERES_DB: the same with `--model faceres`; WEIGHTS: faceres weights to try (default 0.12,0.14,...,0.24)."""
import math, os, sqlite3, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doppel_vectors as D

COH = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../src/Doppel.Vision/Embedding/Cohorts')
Q, EXCL, MIN = 0.995, 0.95, 100
ROOT = os.path.join(D.SH, 'lfw-dev')

def vectors(db, model):
    rows = sqlite3.connect(f'file:{db}?mode=ro', uri=True).execute(
        "select m.path, e.vector from face_embeddings e join faces f on f.id = e.face_id join media_files m on m.id = f.media_id "
        "where e.model = ? order by m.path", (model,)).fetchall()
    X = np.stack([np.frombuffer(v, dtype='<f4') for _, v in rows]).astype(np.float64)
    return [p for p, _ in rows], X / np.linalg.norm(X, axis=1, keepdims=True)

def levels(X, C, fallback):
    T = X @ C.T; T[T >= EXCL] = np.nan; lv = np.nanquantile(T, Q, axis=1)
    if fallback is None: fallback = float(np.median(lv[FIT]))
    lv[(~np.isnan(T)).sum(1) < MIN] = fallback
    return lv, fallback

def tri(M, mask):
    idx = np.where(mask)[0]; return M[np.ix_(idx, idx)][np.triu_indices(len(idx), 1)]

def best(S, mask):
    s, t = tri(S, mask), tri(SAME, mask); o = np.argsort(-s); tp = np.cumsum(t[o]); f = 2 * tp / (np.arange(1, len(o) + 1) + t.sum())
    i = int(np.argmax(f)); return float(f[i]), float(s[o][i])

def prf(S, mask, th):
    s, t = tri(S, mask), tri(SAME, mask); p = s >= th; tp = (p & t).sum(); P, R = tp / max(p.sum(), 1), tp / t.sum()
    return P, R, 2 * P * R / max(P + R, 1e-9), int((p & ~t).sum())

def calibrate(S, th, margin):  # logistic regression by Newton's method on the fitting pairs above th - margin
    s, t = tri(S, FIT), tri(SAME, FIT).astype(float); k = s > th - margin; s, t = s[k], t[k]
    mu, sd = s.mean(), s.std(); x = (s - mu) / sd; w = np.zeros(2)
    for _ in range(100):
        p = 1 / (1 + np.exp(-(w[0] * x + w[1]))); h = p * (1 - p)
        step = np.linalg.solve(np.array([[(h * x * x).sum(), (h * x).sum()], [(h * x).sum(), h.sum()]]), np.array([((p - t) * x).sum(), (p - t).sum()]))
        w -= step
        if np.abs(step).max() < 1e-12: break
    return w[0] / sd, w[1] - w[0] * mu / sd

def verification(S):
    idx = {p.split('/images/', 1)[1]: i for i, p in enumerate(PATHS)}
    def pairs(f):
        out = []
        for l in open(f'{ROOT}/{f}').read().split('\n')[1:]:
            p = l.split(); k = lambda n, i: f'{n}/{n}_{int(i):04d}.jpg'
            a, b, same = (k(p[0], p[1]), k(p[0], p[2]), 1) if len(p) == 3 else (k(p[0], p[1]), k(p[2], p[3]), 0) if len(p) == 4 else (None, None, 0)
            if a in idx and b in idx: out.append((S[idx[a], idx[b]], same))
        return np.array(out)
    tr, te = pairs('pairsDevTrain.txt'), pairs('pairsDevTest.txt')
    ts = np.unique(tr[:, 0]); acc = np.array([((tr[:, 0] >= t) == tr[:, 1]).mean() for t in ts]); i = int(np.argmax(acc))
    t = (ts[i] + ts[min(i + 1, len(ts) - 1)]) / 2
    return t, acc[i], ((te[:, 0] >= t) == te[:, 1]).mean()

def groups(N, mask, th, slope, intercept):
    n = int(mask.sum()); logit = math.log(0.6 / 0.4) + max(0.0, math.log(n / FIT.sum()))
    cut = max(th, (logit - intercept) / slope); idx = np.where(mask)[0]
    g = D.average(N[np.ix_(idx, idx)], th, cut); return cut, D.scores(g, Y[idx])

def describe(name, N, th, slope, intercept):
    out = [name]
    for label, mask in (('held-out', HO), ('all LFW dev', ALL)):
        P, R, F, fp = prf(N, mask, th); cut, g = groups(N, mask, th, slope, intercept)
        out.append(f'{label}: P/R/F1 {P:.3f}/{R:.3f}/{F:.3f} false pairs {fp}, group cut {cut:.4f} mixed {100 * g["mixed"]:.1f} % BCubed {g["bF"]:.3f}')
    print('\n  '.join(out), flush=True)

if __name__ == '__main__':
    pd, Xd = vectors(sys.argv[1], 'dlib-resnet29'); pf, Xf = vectors(sys.argv[2], 'faceres'); assert pd == pf, 'the two catalogs hold other images'
    PATHS = pd; lab = {os.path.normpath(os.path.join(ROOT, r['path'])): r['identity'] for r in D.csv.DictReader(open(ROOT + '/labels.csv'))}
    Y = np.array([lab[D.rel(p, ROOT)] for p in PATHS]); SAME = Y[:, None] == Y[None, :]
    FIT = np.isin(Y, list(D.people('pairsDevTrain.txt'))); HO = np.isin(Y, list(D.people('pairsDevTest.txt'))); ALL = np.ones(len(Y), bool)
    Sd, Sf = Xd @ Xd.T, Xf @ Xf.T
    ld, _ = levels(Xd, D.read_cohort(f'{COH}/dlib-resnet29.int8.flip.cohort'), D.FALLBACK)
    lf, fbf = levels(Xf, D.read_cohort(f'{COH}/faceres.cohort'), None)
    Nd, Nf = Sd - (ld[:, None] + ld[None, :]) / 2, Sf - (lf[:, None] + lf[None, :]) / 2
    print(f'dlib: verification {verification(Sd)}')
    vt, va, vte = verification(Sf); fr, trf = best(Sf, FIT); fn, tnf = best(Nf, FIT); a, b = calibrate(Nf, tnf, 0.2)
    print(f'faceres: verification threshold {vt:.4f} (pairsDevTrain {va:.4f}, pairsDevTest {vte:.4f}); raw dedup {trf:.4f} (fitting F1 {fr:.3f}); '
          f'fallback level {fbf:.4f}; normalised dedup {tnf:.4f} (fitting F1 {fn:.3f}); calibration slope {a:.3f} intercept {b:.3f}')
    describe('faceres alone, normalised', Nf, tnf, a, b)
    describe('dlib alone (the profile before)', Nd, D.T_PAIR, D.SLOPE, D.INTERCEPT)
    weights = [float(w) for w in sys.argv[3].split(',')] if len(sys.argv) > 3 else [0.12, 0.14, 0.16, 0.18, 0.2, 0.22, 0.24]
    fits = [(best((1 - w) * Nd + w * Nf, FIT), w) for w in weights]
    for (f, t), w in fits: print(f'  faceres weight {w}: fitting F1 {f:.4f} at {t:.4f}')
    (f, t), w = max(fits)
    N = (1 - w) * Nd + w * Nf; S = (1 - w) * Sd + w * Sf
    vt, va, vte = verification(S); fr, tr = best(S, FIT); a, b = calibrate(N, t, 0.1)
    print(f'fusion dlib*{1 - w:g}+faceres*{w:g}: fitting F1 {f:.4f} at normalised {t:.4f}; fallback {(1 - w) * D.FALLBACK + w * fbf:.4f}; '
          f'verification threshold {vt:.4f} (pairsDevTrain {va:.4f}, pairsDevTest {vte:.4f}); raw dedup {tr:.4f} (fitting F1 {fr:.3f}); '
          f'calibration slope {a:.3f} intercept {b:.3f}; group cut p 0.6: {max(t, (math.log(1.5) - b) / a):.4f}')
    describe(f'fusion (faceres weight {w})', N, t, a, b)
