#!/usr/bin/env python3
"""Peer benchmark: the HDE seed's res10 SSD in Debian's python3-opencv, detection stage alone.

Same protocol as `Doppel.Vision.Bench res10-speed`: JPEGs under IMAGES_DIR in sorted path
order, all decoded first (not timed), one warm-up image, then one timed pass of blob +
forward + decode + NMS at the seed's settings (300x300, scale 1.0, means (104, 177, 123),
swapRB false, confidence 0.5, NMS 0.4).

usage: /usr/bin/python3 bench/peers/res10_detect.py IMAGES_DIR [LIMIT]
The model is read from $DOPPEL_MODELS/res10-ssd (default ~/.cache/doppel/models/res10-ssd).
"""
import os
import sys
import time

import cv2
import numpy as np

CONFIDENCE = 0.5
NMS = 0.4


def model_dir():
    root = os.environ.get("DOPPEL_MODELS") or os.path.join(os.path.expanduser("~"), ".cache", "doppel", "models")
    return os.path.join(root, "res10-ssd")


def detect(net, image):
    h, w = image.shape[:2]
    blob = cv2.dnn.blobFromImage(image, 1.0, (300, 300), (104, 177, 123), False, False)
    net.setInput(blob)
    out = net.forward()[0, 0]
    boxes, scores = [], []
    for row in out:
        score = float(row[2])
        if score < CONFIDENCE:
            continue
        x1, y1, x2, y2 = (np.clip(row[3:7], 0, 1) * [w, h, w, h]).tolist()
        if x2 > x1 and y2 > y1:
            boxes.append([x1, y1, x2 - x1, y2 - y1])
            scores.append(score)
    if not boxes:
        return []
    keep = cv2.dnn.NMSBoxes(boxes, scores, CONFIDENCE, NMS)
    return [boxes[i] for i in np.array(keep).flatten()]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    directory = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    paths = sorted(os.path.join(d, f) for d, _, files in os.walk(directory) for f in files if f.endswith(".jpg"))
    if limit > 0:
        paths = paths[:limit]
    images = [cv2.imread(p, cv2.IMREAD_COLOR) for p in paths]
    if any(i is None for i in images):
        sys.exit("could not decode some images")
    net = cv2.dnn.readNetFromTensorflow(os.path.join(model_dir(), "model.pb"), os.path.join(model_dir(), "model.pbtxt"))
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    detect(net, images[0])
    faces = 0
    start = time.perf_counter()
    for image in images:
        faces += len(detect(net, image))
    seconds = time.perf_counter() - start
    print(f"python res10-ssd images={len(images)} faces={faces} seconds={seconds:.3f} "
          f"images_per_s={len(images) / seconds:.1f} opencv={cv2.__version__} opencv_threads={cv2.getNumThreads()}")


if __name__ == "__main__":
    main()
