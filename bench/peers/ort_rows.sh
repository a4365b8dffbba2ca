#!/bin/sh
# Measures ONNX Runtime (npm onnxruntime-node, via ../shared/peers/ort_bench.js) on the five real models at 1 and 2
# threads with the shapes of their reference inputs, and appends one JSON row per run (with its command) to
# bench/results/ort_rows.jsonl. usage: sh bench/peers/ort_rows.sh [SHARED_DIR]   (default ../shared)
set -e
here=$(cd "$(dirname "$0")/../.." && pwd)
shared=${1:-$here/../shared}
export NODE_PATH=${NODE_PATH:-/work/ort/node_modules}
out=$here/bench/results/ort_rows.jsonl
m=$shared/models
run() {
  cmd="node shared/peers/ort_bench.js $*"
  row=$(node "$shared/peers/ort_bench.js" "$@")
  echo "$row" | sed "s|}\$|,\"cmd\":\"$cmd\",\"date\":\"$(date -u +%FT%TZ)\"}|" | sed "s|$shared|shared|g" >> "$out"
  echo "$row"
}
for t in 1 2; do
  run "$m/paddleocr/ch_ppocr_mobile_v2.0_cls_infer.onnx" $t 100 x=2x3x48x192
  run "$m/paddleocr/ch_PP-OCRv4_rec_infer.onnx" $t 20 x=1x3x48x1120
  run "$m/paddleocr/ch_PP-OCRv4_det_infer.onnx" $t 20 x=1x3x320x544
  run "$m/silero-vad/silero_vad_v5.onnx" $t 500 input=1x576 state=2x1x128 sr=:int64:16000
  run "$m/onnx-small/mnist-8.onnx" $t 500 Input3=1x1x28x28
done
