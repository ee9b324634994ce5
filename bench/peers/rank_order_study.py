#!/usr/bin/python3
"""Do false pairs above the group cut share fewer neighbours than true ones? (issue 14: two-image mixed groups on all of
LFW dev are single false pairs above the cut, and no grouping rule splits a pair; a pair's neighbourhoods might.)
For each pair above the pair threshold: shared nearest neighbours of its two faces (SNN, top-k by the normalised score,
the two faces left out; Jarvis-Patrick 1973) and the reciprocal rank (b's rank among a's neighbours plus a's among b's;
rank-order clustering, Zhu et al. 2011, uses the same lists). Prints, per set (fitting people, held-out people, all of
LFW dev): how well each separates the true from the false pairs above the group cut (ROC AUC), then the grouping with
pairs whose SNN is below a floor dropped, floors chosen on the fitting people only.
usage: rank_order_study.py LFW_DB COHORT"""
import sys
import numpy as np
from doppel_vectors import SH, T_PAIR, read_cohort, load, people, scores, average, size_cut

def auc(pos, neg):
    if len(pos) == 0 or len(neg) == 0: return float('nan')
    allv = np.concatenate([pos, neg]); r = allv.argsort().argsort() + 1
    return (r[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))

def features(N, k):
    M = N.copy(); np.fill_diagonal(M, -np.inf)
    order = np.argsort(-M, axis=1)
    rank = np.empty_like(order); rank[np.arange(len(M))[:, None], order] = np.arange(M.shape[1])[None, :]
    top = order[:, :k]
    I, J = np.where(np.triu(N >= T_PAIR, 1))
    snn = np.array([len((set(top[i]) & set(top[j])) - {i, j}) for i, j in zip(I, J)]) / k
    rr = rank[I, J] + rank[J, I]
    return I, J, snn, rr

C = read_cohort(sys.argv[2])
S, N, y, off = load(sys.argv[1], f'{SH}/lfw-dev', C)
tr = np.array([v in people('pairsDevTrain.txt') for v in y])
sets = {'fitting': tr, 'held-out': ~tr, 'all LFW dev': np.ones(len(y), bool)}
K = (5, 10, 20)
floors = {}
for name, mask in sets.items():
    n, yy = N[np.ix_(mask, mask)], y[mask]; cut = size_cut(len(yy))
    print(f'== {name}: {len(yy)} faces, group cut {cut:.4f}')
    base = scores(average(n, T_PAIR, cut), yy)
    print(f'   grouping as Doppel: BCubed {base["bF"]:.3f} pairwise F {base["pF"]:.3f} mixed {base["mixed"]:.3f}')
    for k in K:
        I, J, snn, rr = features(n, k)
        above = n[I, J] >= cut; same = yy[I] == yy[J]
        a, s_ = above & same, above & ~same
        print(f'   k {k:2d}: {a.sum()} true / {s_.sum()} false pairs above the cut; AUC score {auc(n[I, J][a], n[I, J][s_]):.3f}'
              f' SNN {auc(snn[a], snn[s_]):.3f} reciprocal rank {auc(-rr[a], -rr[s_]):.3f};'
              f' SNN quartiles true {np.percentile(snn[a], [25, 50, 75]).round(2)} false {np.percentile(snn[s_], [25, 50, 75]).round(2)}')
        if name == 'fitting':
            best = None
            for fl in np.arange(0, 0.55, 0.05):
                keep = snn >= fl; m = n.copy(); m[I[~keep], J[~keep]] = m[J[~keep], I[~keep]] = T_PAIR - 1
                r = scores(average(m, T_PAIR, cut), yy)
                print(f'      SNN floor {fl:.2f}: BCubed {r["bF"]:.3f} pairwise F {r["pF"]:.3f} mixed {r["mixed"]:.3f}')
                if best is None or r['bF'] > best[1]: best = (fl, r['bF'])
            floors[k] = best[0]
        else:
            fl = floors[k]; keep = snn >= fl; m = n.copy(); m[I[~keep], J[~keep]] = m[J[~keep], I[~keep]] = T_PAIR - 1
            r = scores(average(m, T_PAIR, cut), yy)
            print(f'      SNN floor {fl:.2f} (best BCubed on fitting): BCubed {r["bF"]:.3f} pairwise F {r["pF"]:.3f} mixed {r["mixed"]:.3f}')
