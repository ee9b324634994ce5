#!/usr/bin/python3
"""Scores a `doppel dedup` run against a labels.csv: pair precision/recall/F1 of every finding of the
catalog's latest dedup set, and of its report's groups (findings.csv's group column): largest group vs
largest true identity, the share of grouped images that sit in a group mixing identities, BCubed F of
the groups (images in no group count as singletons), and how concentrated the false pairs are.

usage: dedup_report_eval.py CATALOG.db REPORT_DIR DATA_DIR   (DATA_DIR holds labels.csv; the report's
paths are relative to the scanned folder, which is DATA_DIR or DATA_DIR/images)"""
import csv, os, sqlite3, sys
from collections import Counter, defaultdict

db, report, data = sys.argv[1:4]
labels = {}
for r in csv.DictReader(open(os.path.join(data, 'labels.csv'))):
    labels[os.path.normpath(os.path.join(data, r['path']))] = r['identity']
c = sqlite3.connect(db)
# a rerun whose findings equal an earlier set's points at that set's rows (findings_set_id) instead of copying them
set_id = c.execute('select coalesce(findings_set_id, id) from dedup_sets order by id desc limit 1').fetchone()[0]
rows = c.execute('select ma.path, mb.path, f.score from findings f join media_files ma on ma.id=f.media_a '
                 'join media_files mb on mb.id=f.media_b where f.set_id=?', (set_id,)).fetchall()
same = lambda a, b: labels[os.path.normpath(a)] == labels[os.path.normpath(b)]
tp = sum(1 for a, b, _ in rows if same(a, b))
ids = Counter(labels.values())
true_pairs = sum(n * (n - 1) // 2 for n in ids.values())
p, r = tp / max(len(rows), 1), tp / true_pairs
print(f'pairs {len(rows)}  precision {p:.3f}  recall {r:.3f}  F1 {2*p*r/max(p+r,1e-9):.3f}')
false_ends = Counter()
for a, b, _ in rows:
    if not same(a, b):
        false_ends[a] += 1; false_ends[b] += 1
if false_ends:
    top = sorted(false_ends.values(), reverse=True)
    n1 = max(1, len(labels) // 100)
    print(f'false pairs {len(rows)-tp} touch {len(false_ends)} images; the 1 % of images with most false pairs ({n1}) hold {sum(top[:n1])/sum(top):.2f} of their ends')

members = defaultdict(set)
scanned = [os.path.join(data, 'images'), data]
def full(path):
    for s in scanned:
        f = os.path.normpath(os.path.join(s, path))
        if f in labels:
            return f
    raise KeyError(path)
parent = {}
def find(x):
    while parent.setdefault(x, x) != x:
        parent[x] = parent[parent[x]]; x = parent[x]
    return x
ungrouped = []
for r in csv.DictReader(open(os.path.join(report, 'findings.csv'))):
    a, b = full(r['image_a']), full(r['image_b'])
    if 'group' in r and r['group'] == '':  # above the threshold, kept apart by the grouping (2026-12-07 on)
        ungrouped.append((a, b))
    elif 'group' in r:
        g = int(r['group']); members[g].add(a); members[g].add(b)
    else:  # a report from before the group column (connected grouping): its groups are the components
        parent[find(a)] = find(b)
for x in list(parent):
    members[find(x)].add(x)
group_of = {}
for g, m in members.items():
    for x in m:
        assert x not in group_of, f'{x} in two groups'
        group_of[x] = g
grouped = sum(len(m) for m in members.values())
mixed = sum(len(m) for m in members.values() if len({labels[x] for x in m}) > 1)
largest = max((len(m) for m in members.values()), default=0)
P = R = 0.0
for x, ident in labels.items():
    m = members[group_of[x]] if x in group_of else {x}
    k = sum(1 for y in m if labels[y] == ident)
    P += k / len(m); R += k / ids[ident]
P /= len(labels); R /= len(labels)
gtp = sum(sum(1 for a in m for b in m if a < b and labels[a] == labels[b]) for m in members.values())
gpp = sum(len(m) * (len(m) - 1) // 2 for m in members.values())
gp, gr = gtp / max(gpp, 1), gtp / true_pairs
print(f'groups {len(members)}  largest {largest} (largest identity {max(ids.values())})  mixed {mixed}/{grouped} = {mixed/max(grouped,1):.3f}  '
      f'group pairs P {gp:.3f} R {gr:.3f} F1 {2*gp*gr/max(gp+gr,1e-9):.3f}  BCubed P {P:.3f} R {R:.3f} F {2*P*R/(P+R):.3f}')
if ungrouped:
    ut = sum(1 for a, b in ungrouped if labels[a] == labels[b])
    print(f'pairs no group holds together {len(ungrouped)}: {ut} same person ({ut/len(ungrouped):.3f})')
