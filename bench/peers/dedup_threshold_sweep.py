#!/usr/bin/env python3
# Pair precision/recall/F1 of an all-pairs threshold join over a doppel catalog, labels taken from
# each image's folder name (LFW layout). Usage: dedup_threshold_sweep.py CATALOG.db [MODEL [FROM TO STEP]]
import sqlite3, numpy as np, sys, os
db=sys.argv[1]; model=sys.argv[2] if len(sys.argv)>2 else 'dlib-resnet29'
c=sqlite3.connect(db)
cols=[r[1] for r in c.execute("pragma table_info(face_embeddings)")]
rows=c.execute("select m.path, e.vector from face_embeddings e join faces f on f.id=e.face_id join media_files m on m.id=f.media_id where e.model=?",(model,)).fetchall()
paths=[r[0] for r in rows]; X=np.stack([np.frombuffer(r[1],dtype='<f4') for r in rows])
X/=np.linalg.norm(X,axis=1,keepdims=True)
lab=np.array([os.path.basename(os.path.dirname(p)) for p in paths])
S=X@X.T; iu=np.triu_indices(len(X),1); s=S[iu]; same=(lab[iu[0]]==lab[iu[1]])
print("faces",len(X),"true pairs",same.sum())
lo,hi,step=(float(a) for a in sys.argv[3:6]) if len(sys.argv)>5 else (0.4,0.975,0.025)
for t in np.arange(lo,hi+step/2,step):
    pred=s>=t; tp=(pred&same).sum(); p=tp/max(pred.sum(),1); r=tp/same.sum(); f=2*p*r/max(p+r,1e-9)
    print(f"t={t:.3f} pairs={pred.sum():7d} P={p:.3f} R={r:.3f} F1={f:.3f}")
