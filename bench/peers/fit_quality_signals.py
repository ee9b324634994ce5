#!/usr/bin/env python3
# Fits the 'signals' face-quality model (SignalModels.Fitted) and checks it, without touching test data:
#  1. `doppel eval quality --images lfw-dev/images --pairs pairsDevTrain.txt pairsDevTest.txt --signals S.csv`
#     writes each image's cheap signals, assessor scores and vector;
#  2. utility label (train people only, pairsDevTrain's images): an image's mean cosine to the other images
#     of its person (genuine comparison scores, as CR-FIQA/SDD-FIQA label utility);
#  3. ridge regression of the utility on the standardised features; printed as the C# arrays;
#  4. the error-versus-reject check on pairsDevTest's people only (threshold at FMR 1e-3 over every
#     different-person pair of the test images), for the fitted model, each assessor column and each signal.
# Usage: fit_quality_signals.py S.csv pairsDevTrain.txt pairsDevTest.txt
import csv, sys
import numpy as np

FEATURES = ["log_iod", "log_sharpness", "exposure_offset", "log_contrast", "abs_yaw", "abs_roll", "pitch_offset", "detector_score"]

def pairs(path):
    lines = [l.split() for l in open(path) if l.strip()]
    out = []
    for f in lines[1:]:
        if len(f) == 3: out.append((f"{f[0]}/{f[0]}_{int(f[1]):04d}.jpg", f"{f[0]}/{f[0]}_{int(f[2]):04d}.jpg", True))
        else: out.append((f"{f[0]}/{f[0]}_{int(f[1]):04d}.jpg", f"{f[2]}/{f[2]}_{int(f[3]):04d}.jpg", False))
    return out

rows = list(csv.DictReader(open(sys.argv[1])))
train_pairs, test_pairs = pairs(sys.argv[2]), pairs(sys.argv[3])
# Optional 4th argument: another --signals CSV of the same images whose assessor columns are added.
if len(sys.argv) > 4:
    extra = {r["path"]: r for r in csv.DictReader(open(sys.argv[4]))}
    cols = [c for c in next(iter(extra.values())).keys() if c not in FEATURES + ["path", "identity", "vector"] and c not in rows[0]]
    for r in rows:
        for c in cols: r[c] = extra.get(r["path"], {}).get(c, "")
assessors = [c for c in rows[0].keys() if c not in FEATURES + ["path", "identity", "vector"]]
index = {r["path"]: i for i, r in enumerate(rows)}
X = np.array([[float(r[f]) for f in FEATURES] for r in rows])
V = np.array([np.array(r["vector"].split(), dtype=np.float64) for r in rows])
ident = np.array([r["identity"] for r in rows])
Q = {a: np.array([float(r[a]) if r[a] else 0.0 for r in rows]) for a in assessors}

def images_of(ps): return sorted({index[p] for a, b, _ in ps for p in (a, b) if p in index})
train, test = images_of(train_pairs), images_of(test_pairs)
assert not set(ident[train]) & set(ident[test]), "train and test people overlap"

# 2. utility of each train image with at least one mate.
S = V[train] @ V[train].T
same = ident[train][:, None] == ident[train][None, :]
np.fill_diagonal(same, False)
has = same.any(1)
u = (S * same).sum(1)[has] / same.sum(1)[has]
Xt = X[train][has]
mean, scale = Xt.mean(0), Xt.std(0) + 1e-9
# Face size is not fitted: every LFW face is about 40 px between the eyes (log sd 0.09), so LFW cannot
# say how size matters and a fitted weight would extrapolate wildly to small faces; its column is zeroed
# (the face-size baseline is evaluated on its own). Standardised features are clipped to ±3, as the C# does.
FIT = np.array([f != "log_iod" for f in FEATURES])
Z = np.clip((Xt - mean) / scale, -3, 3) * FIT
lam = 1.0
A = np.c_[np.ones(len(Z)), Z]
beta = np.linalg.solve(A.T @ A + lam * np.diag([0] + [1] * len(FEATURES)), A.T @ u)
pred = A @ beta
sd = pred.std()
weights, bias = beta[1:] / sd, 0.0  # centred on the training mean prediction: σ(0) = 0.5 there
print(f"train images with a mate: {has.sum()}, utility mean {u.mean():.4f} sd {u.std():.4f}, R^2 {1 - ((u - pred) ** 2).mean() / u.var():.3f}")
fmt = lambda v: ", ".join(f"{x:.4f}f" for x in v)
print(f"mean: [{fmt(mean)}],\nscale: [{fmt(scale)}],\nweights: [{fmt(weights)}],\nbias: {bias}")
for f, w in zip(FEATURES, weights): print(f"  {f:16s} {w:+.3f}")

def signal_score(x): return (np.clip((x - mean) / scale, -3, 3) * FIT) @ weights

# 4. ERC on the test people.
T = test
Vt = V[T]
St = Vt @ Vt.T
iu = np.triu_indices(len(T), 1)
imp = St[iu][ident[T][iu[0]] != ident[T][iu[1]]]
k = int(np.floor(1e-3 * len(imp)))
thr = np.nextafter(np.float32(np.sort(imp)[len(imp) - 1 - k]), np.float32(np.inf))
gen = [(index[a], index[b]) for a, b, s in test_pairs if s and a in index and b in index]
missing = sum(1 for a, b, s in test_pairs if s and (a not in index or b not in index))
gs = np.array([V[a] @ V[b] for a, b in gen] + [-1.0] * missing)
def erc(q):
    pq = np.array([min(q[a], q[b]) for a, b in gen] + [-np.inf] * missing)
    order = np.argsort(pq, kind="stable")
    err = gs[order] < thr
    res = {}
    for r in (0.0, 0.05, 0.1, 0.2):
        d = int(round(r * len(gs)))
        res[r] = err[d:].mean()
    return res
print(f"\ntest: {len(T)} images, {len(gs)} genuine pairs ({missing} with a faceless image), {len(imp)} impostor pairs, threshold {thr:.4f}")
cands = {"fitted signals": signal_score(X)}
cands.update({f"assessor {a}": Q[a] for a in assessors})
cands.update({f"signal {f} (+)": X[:, i] for i, f in enumerate(FEATURES)})
cands.update({f"signal {f} (-)": -X[:, i] for i, f in enumerate(FEATURES)})
rng = np.random.default_rng(1)
rand = np.mean([[v for v in erc(rng.random(len(rows))).values()] for _ in range(50)], 0)
print(f"{'random':34s} FNMR {rand[0]:.4f} -> 5% {rand[1]:.4f} 10% {rand[2]:.4f} 20% {rand[3]:.4f}")
for name, q in cands.items():
    e = erc(q)
    print(f"{name:34s} FNMR {e[0]:.4f} -> 5% {e[0.05]:.4f} 10% {e[0.1]:.4f} ({(1 - e[0.1] / e[0]) * 100:+.0f} %) 20% {e[0.2]:.4f}")
