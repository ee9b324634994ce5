#!/usr/bin/python3
"""How the recognition profiles' numbers were fitted (docs/benchmarks.md, "Trustworthy findings").
Fits the dedup threshold and the logistic calibration on the LFW dev images of the people in
pairsDevTrain (all pairs), then scores the people of pairsDevTest, the whole dev set, ORL and Yale at
that threshold: pair P/R/F1, average-linkage groups (largest, mixed share, BCubed), calibration bins and
how concentrated the false pairs are. Vectors come from doppel catalogs (one face per image).

usage: trust_profiles.py LFW_DB ORL_DB YALE_DB MODEL[*W+MODEL...] [QUANTILE EXCLUDE_ABOVE [COHORT]]
  e.g. trust_profiles.py lfw.db orl.db yale.db dlib-resnet29 0.99 0.93 src/Doppel.Vision/Embedding/Cohorts/dlib-resnet29.int8.cohort
       trust_profiles.py lfw.db orl.db yale.db dlib-resnet29 0.99 0.93     # levels over each set itself (before 2026-12-07)
       trust_profiles.py lfw.db orl.db yale.db 'dlib-resnet29*2+mobilefacenet-192'
With COHORT (a file of make_cohort.py) a face's level is the QUANTILE of its similarities below
EXCLUDE_ABOVE to that fixed cohort, as Doppel computes it (ReferenceCohort, CohortNormalisation), and
the fallback level (faces with under 100 cohort members) is the median level of the fitting set."""
import sys, os, csv, sqlite3
from collections import Counter
import numpy as np
from scipy.sparse.csgraph import connected_components
from scipy.sparse import csr_matrix
from scipy.cluster.hierarchy import linkage, fcluster
from scipy.spatial.distance import squareform
from sklearn.linear_model import LogisticRegression

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/data')
lfw_db, orl_db, yale_db, spec = sys.argv[1:5]
q, excl = (float(sys.argv[5]), float(sys.argv[6])) if len(sys.argv) > 6 else (0.0, 2.0)
cohort_file = sys.argv[7] if len(sys.argv) > 7 else None
def read_cohort(f):
    b = open(f, 'rb').read(); assert b[:8] == b'DPCOHRT1', f
    d, n, lv = np.frombuffer(b[8:20], dtype='<i4')
    C = np.frombuffer(b[20 + lv:], dtype='<f2').astype(np.float32).reshape(n, d).astype(np.float64)
    return C / np.linalg.norm(C, axis=1, keepdims=True)
COHORT = read_cohort(cohort_file) if cohort_file else None
def load(db, model, root):
    c=sqlite3.connect(db)
    rows=c.execute("select m.path, e.vector from face_embeddings e join faces f on f.id=e.face_id join media_files m on m.id=f.media_id where e.model=? order by m.path",(model,)).fetchall()
    lab={}
    for r in csv.DictReader(open(root+'/labels.csv')): lab[os.path.normpath(os.path.join(root,r['path']))]=r['identity']
    paths=[os.path.normpath(r[0]) for r in rows]
    X=np.stack([np.frombuffer(r[1],dtype='<f4') for r in rows]).astype(np.float64)
    X/=np.linalg.norm(X,axis=1,keepdims=True)
    y=np.array([lab[p] for p in paths])
    return paths,X,y
def people(f):
    s = set()
    for l in open(f'{SHARED}/lfw-dev/{f}').read().split('\n')[1:]:
        p = l.split()
        if len(p) == 3: s.add(p[0])
        elif len(p) == 4: s.add(p[0]); s.add(p[2])
    return s
LEVELS = {}  # id(S) -> the faces' cohort levels
def similarity(db, root):
    total, S, y = 0, 0, None
    for term in spec.split('+'):
        name, _, w = term.partition('*'); w = float(w or 1)
        _, X, labels = load(db, name, root)
        assert y is None or (y == labels).all(); y = labels
        S = S + w * (X @ X.T); total += w
    S = S / total
    if COHORT is not None:
        assert '+' not in spec, 'a cohort is made of one model\'s vectors'
        T = X @ COHORT.T; T[T >= excl] = np.nan
        lv = np.nanquantile(T, q, axis=1); lv[(~np.isnan(T)).sum(axis=1) < 100] = np.nan
        LEVELS[id(S)] = lv
    return S, y
def subset(S, keep):
    T = S[np.ix_(keep, keep)]
    if id(S) in LEVELS: LEVELS[id(T)] = LEVELS[id(S)][keep]
    return T
FALLBACK = None
def normalise(S):
    if q == 0: return S
    if COHORT is not None:
        m = LEVELS[id(S)].copy(); m[np.isnan(m)] = FALLBACK
    else:
        T = S.copy(); np.fill_diagonal(T, np.nan); T[T >= excl] = np.nan
        m = np.nanquantile(T, q, axis=1)
    return S - (m[:, None] + m[None, :]) / 2
S, y = similarity(lfw_db, f'{SHARED}/lfw-dev')
train = np.array([v in people('pairsDevTrain.txt') for v in y])
sets = {'lfw-train': (subset(S, train), y[train]), 'lfw-test': (subset(S, ~train), y[~train]), 'lfw-all': (S, y)}
if COHORT is not None:
    FALLBACK = float(np.nanmedian(LEVELS[id(sets['lfw-train'][0])]))
    print(f'cohort {cohort_file}: {len(COHORT)} vectors; fallback level (fitting median) {FALLBACK:.4f}')
sets['orl'] = similarity(orl_db, f'{SHARED}/orl'); sets['yale'] = similarity(yale_db, f'{SHARED}/yale')
def prf(s,same,t):
    pred=s>=t; tp=(pred&same).sum(); p=tp/max(pred.sum(),1); r=tp/max(same.sum(),1); return p,r,2*p*r/max(p+r,1e-9)
def best_t(s,same):
    o=np.argsort(-s); ss=s[o]; sm=same[o]; tp=np.cumsum(sm); n=np.arange(1,len(s)+1); p=tp/n; r=tp/sm.sum(); f=2*p*r/np.maximum(p+r,1e-9)
    i=np.argmax(f); return ss[i], f[i]
def groups(N,t,cut,mode):
    n=len(N); A=(N>=t); np.fill_diagonal(A,False)
    nc,lab=connected_components(csr_matrix(A),directed=False)
    if mode=='connected': return lab
    out=np.full(n,-1); nxt=0
    for c in range(nc):
        idx=np.where(lab==c)[0]
        if len(idx)==1: out[idx]=nxt; nxt+=1; continue
        sub=N[np.ix_(idx,idx)]; d=np.maximum(0,1-sub); np.fill_diagonal(d,0); d=(d+d.T)/2
        Z=linkage(squareform(d,checks=False),method='average'); f=fcluster(Z,1-cut,criterion='distance')
        for v in np.unique(f): out[idx[f==v]]=nxt; nxt+=1
    return out
def gmetrics(g,y):
    n=len(y); from collections import Counter
    sizes=Counter(g); grouped=[i for i in range(n) if sizes[g[i]]>1]
    mixed=0; 
    by={}
    for i in range(n): by.setdefault(g[i],[]).append(i)
    for k,m in by.items():
        if len(m)>1 and len(set(y[m]))>1: mixed+=len(m)
    idc=Counter(y)
    # bcubed
    P=R=0
    for i in range(n):
        m=by[g[i]]; same=sum(1 for j in m if y[j]==y[i]); P+=same/len(m); R+=same/idc[y[i]]
    P/=n;R/=n; F=2*P*R/(P+R)
    # group pair P/R/F
    tp=sum(sum(1 for a in range(len(m)) for b in range(a+1,len(m)) if y[m[a]]==y[m[b]]) for m in by.values())
    pp=sum(len(m)*(len(m)-1)//2 for m in by.values()); tt=sum(c*(c-1)//2 for c in idc.values())
    gp=tp/max(pp,1); gr=tp/tt
    return f'largest {max(sizes.values())}/{max(idc.values())} mixed {mixed/max(len(grouped),1):.3f} ({mixed}/{len(grouped)}) grpPRF {gp:.3f}/{gr:.3f}/{2*gp*gr/max(gp+gr,1e-9):.3f} BCubed {F:.3f}'
N, y = sets['lfw-train']; N = normalise(N); iu = np.triu_indices(len(y), 1); s = N[iu]; same = y[iu[0]] == y[iu[1]]
t, f = best_t(s, same); sel = s > t - (0.1 if q else 0.3)
lr = LogisticRegression(C=1e6).fit(s[sel, None], same[sel]); a, b = lr.coef_[0, 0], lr.intercept_[0]
print(f'{spec} q={q} exclude>={excl}: threshold {t:.4f} (train F1 {f:.3f}); calibration slope {a:.3f} intercept {b:.3f}, p(threshold) {1/(1+np.exp(-(a*t+b))):.3f}')
for name, (S0, y) in sets.items():
    N = normalise(S0); iu = np.triu_indices(len(y), 1); s = N[iu]; same = y[iu[0]] == y[iu[1]]
    P, R, F = prf(s, same, t)
    print(f'{name}: pairs P {P:.3f} R {R:.3f} F1 {F:.3f} | average groups: {gmetrics(groups(N, t, t, "average"), y)} | connected: {gmetrics(groups(N, t, t, "connected"), y)}')
    p = 1 / (1 + np.exp(-(a * s + b)))
    bins = [0.01, 0.1, 0.5, 0.9, 1.01]
    print('   calibration: ' + '; '.join(f'[{lo},{hi}) n={k.sum()} predicted {p[k].mean():.2f} observed {same[k].mean():.2f}'
          for lo, hi in zip(bins[:-1], bins[1:]) for k in [(p >= lo) & (p < hi)] if k.sum()))
    fp = (s >= t) & ~same; ends = np.bincount(np.concatenate([iu[0][fp], iu[1][fp]]), minlength=len(y))
    if ends.sum(): top = np.sort(ends)[::-1]; print(f'   false pairs {fp.sum()}: the 1 % of faces with most hold {top[:max(1, len(y)//100)].sum()/ends.sum():.2f} of their ends')
