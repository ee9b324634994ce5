#!/usr/bin/python3
"""Writes a recognition profile's reference cohort (src/Doppel.Vision/Embedding/Cohorts/*.cohort): the
vectors of the LFW dev images of the people in pairsDevTrain.txt (the profile's fitting people; never
pairsDevTest's, ORL or Yale), as made by `doppel dedup` into a catalog, stored as half floats with the
model version they were made with. Prints the file's sha256, which RecognitionProfiles pins.

usage: make_cohort.py LFW_DB OUT [MODEL] [VERSION] [--int8]
  e.g. doppel dedup ../shared/data/lfw-dev/images --db lfw.db            # the default pipeline (8-bit graph)
       make_cohort.py lfw.db src/Doppel.Vision/Embedding/Cohorts/dlib-resnet29.int8.cohort
       doppel dedup ../shared/data/lfw-dev/images --db lfwf.db --precision float
       make_cohort.py lfwf.db src/Doppel.Vision/Embedding/Cohorts/dlib-resnet29.float.cohort
The catalog must hold one vector version of MODEL (default dlib-resnet29) unless VERSION names one.
File format: ReferenceCohort.cs (b'DPCOHRT1', int32 dimension, count, version length, version, halfs; with --int8
b'DPCOHRT8' and one signed byte per value, each row scaled to a largest magnitude of 127: for wide vectors, faceres's)."""
import csv, hashlib, os, sqlite3, struct, sys
import numpy as np

INT8 = '--int8' in sys.argv
sys.argv = [a for a in sys.argv if a != '--int8']

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/data')
db, out = sys.argv[1:3]
model = sys.argv[3] if len(sys.argv) > 3 else 'dlib-resnet29'
root = f'{SHARED}/lfw-dev'

def people(f):
    s = set()
    for l in open(f'{root}/{f}').read().split('\n')[1:]:
        p = l.split()
        if len(p) == 3: s.add(p[0])
        elif len(p) == 4: s.add(p[0]); s.add(p[2])
    return s

fitting = people('pairsDevTrain.txt')
assert not fitting & people('pairsDevTest.txt'), 'pairsDevTrain and pairsDevTest share people'
labels = {os.path.normpath(os.path.join(root, r['path'])): r['identity'] for r in csv.DictReader(open(f'{root}/labels.csv'))}
c = sqlite3.connect(f'file:{db}?mode=ro', uri=True)
versions = [v for (v,) in c.execute('select distinct model_version from face_embeddings where model=?', (model,))]
version = sys.argv[4] if len(sys.argv) > 4 else None
if version is None:
    assert len(versions) == 1, f'{db} holds {len(versions)} versions of {model}: {versions}; name one'
    version = versions[0]
rows = c.execute('select m.path, e.face_id, e.vector from face_embeddings e join faces f on f.id=e.face_id '
                 'join media_files m on m.id=f.media_id where e.model=? and e.model_version=? order by m.path, e.face_id',
                 (model, version)).fetchall()
X = [np.frombuffer(v, dtype='<f4') for p, _, v in rows if labels.get(os.path.normpath(p)) in fitting]
assert X, f'no vectors of fitting people in {db}'
X = np.stack(X).astype(np.float64)
X /= np.linalg.norm(X, axis=1, keepdims=True)
v = version.encode('utf-8')
if INT8:
    body = np.round(X / np.abs(X).max(axis=1, keepdims=True) * 127).astype(np.int8).tobytes()
else:
    body = X.astype('<f2').tobytes()
data = (b'DPCOHRT8' if INT8 else b'DPCOHRT1') + struct.pack('<iii', X.shape[1], X.shape[0], len(v)) + v + body
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
open(out, 'wb').write(data)
print(f'{out}: {X.shape[0]} vectors of {X.shape[1]} ({model}, version "{version}", {len({labels[os.path.normpath(p)] for p, _, _ in rows} & fitting)} people), '
      f'{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}')
