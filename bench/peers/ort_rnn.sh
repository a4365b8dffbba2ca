#!/bin/sh
# ONNX Runtime peer of bench/Pare.Bench RecurrentSuite: the same one-node LSTM/GRU models and shapes, at 1 and 2
# threads, one JSON row each (named like Pare's rows). usage: sh bench/peers/ort_rnn.sh [SHARED_DIR]  (default ../shared)
set -e
here=$(cd "$(dirname "$0")/../.." && pwd)
shared=${1:-$here/../shared}
export NODE_PATH=${NODE_PATH:-/work/ort/node_modules}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 "$here/bench/peers/rnn_models.py" "$dir"
for t in 1 2; do
  for m in "$dir"/*.onnx; do
    name=$(basename "$m" .onnx)
    node "$shared/peers/ort_bench.js" "$m" $t 50 X=64x8x64 | sed "s|\"name\":\"[^\"]*\"|\"name\":\"$name\",\"peer\":\"ort\"|"
  done
done
