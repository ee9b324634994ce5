#!/usr/bin/env bash
# Face pipeline speed vs the HDE seed's stack, in one run on the same images:
#  1. Debian python3-opencv running the res10 SSD at the seed's settings (detection stage alone),
#  2. Doppel's res10 through OpenCvSharp (same stage),
#  3. Doppel's whole default pipeline (decode + detection cascade blazeface-yunet (BlazeFace front-128
#     for close-ups, back-256 for portraits, YuNet otherwise) + face-api landmarks + align + 8-bit dlib ResNet-29),
#  4. the same pipeline with the old default detector (BlazeFace back-256 alone, blazeface-back+faceapi-landmark68),
#     so what the cascade saves or costs on portraits is measured in the same run,
#  5. the default pipeline with dlib's float graph (--precision float).
# usage: bash bench/run_pipeline_bench.sh [IMAGES_DIR] [LIMIT]
set -euo pipefail
cd "$(dirname "$0")/.."
images=${1:-../shared/data/lfw-dev/images}
limit=${2:-0}
dotnet build -c Release bench/Doppel.Vision.Bench -nologo -v quiet >/dev/null
bench="dotnet bench/Doppel.Vision.Bench/bin/Release/net10.0/Doppel.Vision.Bench.dll"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 bench/peers/res10_detect.py "$images" "$limit"
$bench res10-speed "$images" "$limit"
$bench pipeline "$images" "$limit" int8
$bench pipeline "$images" "$limit" int8 blazeface-back+faceapi-landmark68
$bench pipeline "$images" "$limit" float
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
