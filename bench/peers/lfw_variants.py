#!/usr/bin/python3
"""LFW dev accuracy and all-pairs dedup F1 of the embeddings written by
`dotnet bench/Doppel.Vision.Bench/bin/Release/net10.0/Doppel.Vision.Bench.dll lfw-dump LFW_DIR OUT`
(raw float32 rows, one file per alignment variant, rows in OUT/images.txt order).

usage: lfw_variants.py OUT LFW_DIR [VARIANT[*W]+VARIANT ...]
Each argument is a variant name (e.g. dlib_blaze) or a weighted ensemble of them
('dlib_blaze*5+mfn_blaze': concatenated L2-normalised vectors, cosine = sum of w_i cos_i / sum w_i).
Prints, per argument: threshold from pairsDevTrain, accuracy on pairsDevTest, 10-fold accuracy over
all 3,200 dev pairs (folds interleaved by class), and the best all-pairs F1 over the 4,992 images
with its threshold (the dedup default)."""
import sys
import numpy as np

out, lfw, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
images = [l for l in open(f'{out}/images.txt').read().split('\n') if l]
index = {n: i for i, n in enumerate(images)}


def load(variant):
    x = np.fromfile(f'{out}/{variant}.f32', '<f4').reshape(len(images), -1)
    return x / np.linalg.norm(x, axis=1, keepdims=True).clip(1e-9)


def embed(spec):
    parts = []
    for term in spec.split('+'):
        name, _, w = term.partition('*')
        parts.append((load(name), float(w or 1)))
    total = sum(w for _, w in parts)
    return np.hstack([np.sqrt(w / total) * x for x, w in parts])


def pairs(file):
    result = []
    for line in open(f'{lfw}/{file}').read().split('\n')[1:]:
        p = line.split()
        img = lambda n, i: index[f'{n}/{n}_{int(i):04d}.jpg']
        if len(p) == 3:
            result.append((img(p[0], p[1]), img(p[0], p[2]), True))
        elif len(p) == 4:
            result.append((img(p[0], p[1]), img(p[2], p[3]), False))
    return result


def accuracy(s, y, t):
    return np.mean((s >= t) == y)


def best_threshold(s, y):
    c = np.unique(s)
    candidates = np.concatenate([[c[0] - 1], (c[1:] + c[:-1]) / 2, [c[-1] + 1]])
    return candidates[int(np.argmax([accuracy(s, y, t) for t in candidates]))]


train, test = pairs('pairsDevTrain.txt'), pairs('pairsDevTest.txt')
labels = {}
for line in open(f'{lfw}/labels.csv').read().split('\n')[1:]:
    if line:
        path, identity = line.rsplit(',', 1)
        labels[path.replace('images/', '', 1)] = identity
ids = np.array([labels[i] for i in images])
upper = np.triu_indices(len(images), 1)
truth = (ids[:, None] == ids[None, :])[upper]

for spec in specs:
    x = embed(spec)
    score = lambda ps: np.array([x[a] @ x[b] for a, b, _ in ps])
    ytr, yte = np.array([s for *_, s in train]), np.array([s for *_, s in test])
    s1, s2 = score(train), score(test)
    t = best_threshold(s1, ytr)
    pooled, ypooled = np.concatenate([s1, s2]), np.concatenate([ytr, yte])
    fold = np.zeros(len(ypooled), int)
    for cls in (True, False):
        members = np.where(ypooled == cls)[0]
        fold[members] = np.arange(len(members)) % 10
    folds = [accuracy(pooled[fold == k], ypooled[fold == k], best_threshold(pooled[fold != k], ypooled[fold != k])) for k in range(10)]
    sims = (x @ x.T)[upper]
    order = np.argsort(-sims)
    hits = np.cumsum(truth[order])
    k = np.arange(1, len(order) + 1)
    precision, recall = hits / k, hits / truth.sum()
    f1 = 2 * precision * recall / (precision + recall + 1e-12)
    b = int(np.argmax(f1))
    print(f'{spec:40s} threshold {t:.4f}  test {accuracy(s2, yte, t) * 100:.2f} %  10-fold {np.mean(folds) * 100:.2f} % ± {np.std(folds) * 100:.2f}  '
          f'dedup F1 {f1[b]:.3f} (P {precision[b]:.3f} R {recall[b]:.3f}) at {sims[order][b]:.3f}')
