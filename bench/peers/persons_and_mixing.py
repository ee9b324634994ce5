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
import sys, os, csv, sqlite3, re, difflib
from collections import Counter
import numpy as np
from doppel_vectors import SH, T_PAIR, CUT_P06, read_cohort, rel, load, people, scores, single, average, size_cut

def mutual_average(N, t, cut, k):  # pairs join only between mutual k-nearest neighbours (a hub test)
    M = N.copy(); np.fill_diagonal(M, -np.inf); kth = -np.sort(-M, axis=1)[:, k - 1]
    return average(np.where((M >= kth[:, None]) & (M >= kth[None, :]), N, np.minimum(N, t - 1e-6)), t, cut)

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
