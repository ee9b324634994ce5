#!/usr/bin/env python3
# The peers for `doppel eval classify`: scikit-learn SVC(kernel='linear') and k-NN on exactly the
# vectors and split Doppel used (`doppel eval classify ... --dump S.csv`), closed-set accuracy on the
# known identities' test photos. Debian python3-sklearn. Usage: classify_peers.py S.csv
import csv, sys
import numpy as np
from sklearn.svm import SVC
from sklearn.neighbors import KNeighborsClassifier

rows = list(csv.DictReader(open(sys.argv[1])))
def take(role):
    r = [x for x in rows if x["role"] == role]
    return np.array([np.array(x["vector"].split(), dtype=np.float64) for x in r]).reshape(len(r), -1), np.array([x["identity"] for x in r])
Xtr, ytr = take("train"); Xte, yte = take("test")
print(f"{len(set(ytr))} identities, {len(ytr)} train, {len(yte)} test")
mu = Xtr.mean(0)
def centred(X):
    C = X - mu
    return C / np.linalg.norm(C, axis=1, keepdims=True)
for name, model, f in [
    ("svc linear (raw vectors)", SVC(kernel="linear"), lambda X: X),
    ("svc linear (centred)", SVC(kernel="linear"), centred),
    ("1-nn cosine", KNeighborsClassifier(1, metric="cosine"), lambda X: X),
    ("3-nn cosine", KNeighborsClassifier(3, metric="cosine"), lambda X: X),
    ("5-nn cosine distance-weighted", KNeighborsClassifier(5, metric="cosine", weights="distance"), lambda X: X),
]:
    model.fit(f(Xtr), ytr)
    print(f"{name:32s} accuracy {(model.predict(f(Xte)) == yte).mean():.4f}")
