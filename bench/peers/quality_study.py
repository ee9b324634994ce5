#!/usr/bin/python3
# Which quality assessor, and which model fitted on cheap signals + embedding stability, finds the default
# recogniser's (dlib ResNet-29) false non-matches? Fits on the LFW dev people of pairsDevTrain only, reports
# the error-versus-reject drop (FNMR at FMR 1e-3 after rejecting the lowest 10 % of genuine comparisons by
# pair quality = the lower of the two images) on the unseen pairsDevTest people, and on ORL and Yale.
#
#  doppel eval quality --images $D/images --pairs $D/pairsDevTrain.txt $D/pairsDevTest.txt \
#      --quality signals,flip-stability,stability --signals lfw.csv
#  doppel eval quality --images ../shared/data/orl --labels ../shared/data/orl/labels.csv --quality signals,flip-stability,stability --signals orl.csv
#  (the same for yale)
#  python3 bench/peers/quality_study.py lfw.csv $D/pairsDevTrain.txt $D/pairsDevTest.txt orl=orl.csv yale=yale.csv
import csv, sys
import numpy as np

SIGNALS = ["log_iod", "log_sharpness", "exposure_offset", "log_contrast", "abs_yaw", "abs_roll", "pitch_offset", "detector_score"]

def pairs(path):
    out = []
    for f in [l.split() for l in open(path) if l.strip()][1:]:
        if len(f) == 3: out.append((f"{f[0]}/{f[0]}_{int(f[1]):04d}.jpg", f"{f[0]}/{f[0]}_{int(f[2]):04d}.jpg", True))
        else: out.append((f"{f[0]}/{f[0]}_{int(f[1]):04d}.jpg", f"{f[2]}/{f[2]}_{int(f[3]):04d}.jpg", False))
    return out

def load(path):
    rows = list(csv.DictReader(open(path)))
    cols = [c for c in rows[0].keys() if c not in ["path", "identity", "vector"]]
    F = {c: np.array([float(r[c]) if r[c] else 0.0 for r in rows]) for c in cols}
    V = np.array([np.array(r["vector"].split(), dtype=np.float64) for r in rows])
    return [r["path"] for r in rows], np.array([r["identity"] for r in rows]), F, V

class Set:
    """Images (with a face) of one evaluation and their genuine comparisons; the threshold at FMR 1e-3 over
    every different-identity pair among them."""
    def __init__(self, idx, ident, V, genuine, missing=0):
        self.idx, self.missing = np.array(idx), missing
        S = V[idx] @ V[idx].T
        iu = np.triu_indices(len(idx), 1)
        imp = S[iu][ident[idx][iu[0]] != ident[idx][iu[1]]]
        k = int(np.floor(1e-3 * len(imp)))
        self.thr = np.nextafter(np.float32(np.sort(imp)[len(imp) - 1 - k]), np.float32(np.inf))
        self.gen = genuine
        self.gs = np.array([V[a] @ V[b] for a, b in genuine] + [-1.0] * missing)
    def drop(self, q, at=0.1):
        pq = np.array([min(q[a], q[b]) for a, b in self.gen] + [-np.inf] * self.missing)
        err = self.gs[np.argsort(pq, kind="stable")] < self.thr
        d = int(round(at * len(self.gs)))
        return err.mean(), err[d:].mean(), 1 - err[d:].mean() / err.mean()

def all_genuine(ident, idx):
    by = {}
    for i in idx: by.setdefault(ident[i], []).append(i)
    return [(a, b) for m in by.values() for x, a in enumerate(m) for b in m[x + 1:]]

paths, ident, F, V = load(sys.argv[1])
index = {p: i for i, p in enumerate(paths)}
train_p, test_p = pairs(sys.argv[2]), pairs(sys.argv[3])
def images_of(ps): return sorted({index[p] for a, b, _ in ps for p in (a, b) if p in index})
train, test = images_of(train_p), images_of(test_p)
assert not set(ident[train]) & set(ident[test]), "train and test people overlap"
test_set = Set(test, ident, V, [(index[a], index[b]) for a, b, s in test_p if s and a in index and b in index],
               sum(1 for a, b, s in test_p if s and (a not in index or b not in index)))
train_set = Set(train, ident, V, [(index[a], index[b]) for a, b, s in train_p if s and a in index and b in index])
extra = {}
for arg in sys.argv[4:]:
    name, path = arg.split("=", 1)
    p2, i2, F2, V2 = load(path)
    idx = list(range(len(p2)))
    extra[name] = (F2, V2, Set(idx, i2, V2, all_genuine(i2, idx)))

# Cheap, model-free extras computed from the vector: the cosine to the training images' mean vector
# (dlib's vectors sit in a narrow cone; a face far from its axis is atypical).
mean_vec = V[train].mean(0); mean_vec /= np.linalg.norm(mean_vec)
def derived(F, V):
    D = dict(F)
    D["cos_to_mean"] = V @ mean_vec
    for c in ["flip-stability", "stability"]:
        if c in D: D[c + "_logit"] = np.log(np.clip(1 - D[c], 1e-4, 1))  # heavy tail near 1 made linear
    return D
F = derived(F, V)
extra = {k: (derived(f, v), v, s) for k, (f, v, s) in extra.items()}

# Utility labels of the images of some people (each image with at least one mate among them).
def utility(people_idx):
    S = V[people_idx] @ V[people_idx].T
    same = ident[people_idx][:, None] == ident[people_idx][None, :]
    np.fill_diagonal(same, False)
    has = same.any(1)
    cnt = same.sum(1)[has]
    return np.array(people_idx)[has], {
        "mean genuine cosine": (S * same).sum(1)[has] / cnt,
        "min genuine cosine": np.where(same, S, np.inf).min(1)[has],
        "genuine fails at FMR 1e-3": -((S < train_set.thr) & same).sum(1)[has] / cnt,
    }
tr, labels = utility(train)
tr_swap, labels_swap = utility(test)
has = np.ones(len(tr), bool)

def fit(cols, label, lam=1.0, on=None):
    on = tr if on is None else on
    X = np.c_[[F[c][on] for c in cols]].T
    mean, scale = X.mean(0), X.std(0) + 1e-9
    Z = np.clip((X - mean) / scale, -3, 3)
    A = np.c_[np.ones(len(Z)), Z]
    beta = np.linalg.solve(A.T @ A + lam * np.diag([0] + [1] * len(cols)), A.T @ label)
    w = beta[1:] / (A @ beta).std()
    return lambda D: np.clip((np.c_[[D[c] for c in cols]].T - mean) / scale, -3, 3) @ w, (mean, scale, w)

def row(name, q_lfw, q_extra, q_swap=None):
    e0, e10, d = test_set.drop(q_lfw)
    cells = [f"{name:58s} test FNMR {e0:.4f} -> {e10:.4f} ({d * 100:+5.1f} %)"]
    # Swapped: fitted on the pairsDevTest people, evaluated on pairsDevTrain's 1,100 genuine pairs.
    cells.append(f"swap {train_set.drop(q_lfw if q_swap is None else q_swap)[2] * 100:+5.1f} %")
    for k, (f, v, s) in extra.items():
        cells.append(f"{k} {s.drop(q_extra[k])[2] * 100:+5.1f} %")
    print("  ".join(cells))

rng = np.random.default_rng(1)
print(f"train {len(train)} images ({has.sum()} with a mate), test {len(test)} images, {len(test_set.gs)} genuine pairs, threshold {test_set.thr:.4f}")
for k, (f, v, s) in extra.items(): print(f"{k}: {len(s.idx)} images, {len(s.gs)} genuine pairs, threshold {s.thr:.4f}, FNMR {s.drop(np.zeros(len(s.idx)))[0]:.4f}")
rand = np.mean([test_set.drop(rng.random(len(paths)))[2] for _ in range(50)])
print(f"{'random (50 shuffles)':58s} test drop {rand * 100:+.1f} %")
single = ["signals", "flip-stability", "stability", "mobilefacenet-norm", "cos_to_mean", "log_iod"]
for c in single:
    if c in F: row(f"single: {c}", F[c], {k: f[c] for k, (f, v, s) in extra.items()})
sets = {
    "signals8": SIGNALS,
    "signals8 + flip": SIGNALS + ["flip-stability_logit"],
    "signals8 + jitter": SIGNALS + ["stability_logit"],
    "signals8 + flip + jitter": SIGNALS + ["flip-stability_logit", "stability_logit"],
    "signals8 + flip + jitter + cos_to_mean": SIGNALS + ["flip-stability_logit", "stability_logit", "cos_to_mean"],
    "flip + jitter": ["flip-stability_logit", "stability_logit"],
}
fitted = {}
for lname, lab in labels.items():
    for sname, cols in sets.items():
        cols = [c for c in cols if c in F and c != "log_iod"]  # LFW cannot fit face size (all ~40 px)
        score, params = fit(cols, lab)
        swap, _ = fit(cols, labels_swap[lname], on=tr_swap)
        fitted[(lname, sname)] = (cols, params)
        row(f"fit[{lname}] {sname}", score(F), {k: score(f) for k, (f, v, s) in extra.items()}, swap(F))
# PRINT="label|set" prints that model's standardisation and weights as C# arrays (SignalModels).
import os
if os.environ.get("PRINT"):
    lname, sname = os.environ["PRINT"].split("|")
    cols, (mean, scale, w) = fitted[(lname, sname)]
    fmt = lambda v: ", ".join(f"{x:.4f}f" for x in v)
    print(f"features: {cols}\nmean: [{fmt(mean)}],\nscale: [{fmt(scale)}],\nweights: [{fmt(w)}]")
