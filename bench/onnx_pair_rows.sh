#!/bin/sh
# Pare vs ONNX Runtime, interleaved: for each of the five real models and 1 and 2 threads, runs `pare bench` and
# ../shared/peers/ort_bench.js back to back ROUNDS times (same input shapes: the models' reference inputs), so both
# see the same machine load, and appends every row (with its command, round and load average) to
# bench/results/onnx_pair_rows.jsonl. Compare medians over rounds: the shared machine is noisy.
# Ends with the medians over the rounds and Pare ÷ ORT per model and thread count.
# usage: sh bench/onnx_pair_rows.sh [ROUNDS] [SHARED_DIR] [PARE]   (defaults 3, ../shared, the Release CLI build)
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
shared=${2:-$here/../shared}
pare=${3:-$here/src/Pare.Cli/bin/Release/net10.0/pare}
export NODE_PATH=${NODE_PATH:-/work/ort/node_modules}
out=${OUT:-$here/bench/results/onnx_pair_rows.jsonl}
m=$shared/models
tag() { # row, engine, command, round
  echo "$1" | sed "s|}\$|,\"engine\":\"$2\",\"cmd\":\"$3\",\"round\":$4,\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\",\"date\":\"$(date -u +%FT%TZ)\"}|" | sed "s|$shared|shared|g" >> "$out"
  echo "$1 $2"
}
pair() { # round threads pare-runs model ref-dir ort-specs...
  r=$1 t=$2 runs=$3 model=$4 ref=$5; shift 5
  row=$("$pare" bench "$m/$model" --inputs "$m/$ref/test_data_set_0" --threads "$t" --runs "$runs" --json | tail -1)
  tag "$row" pare "pare bench $model --inputs $ref/test_data_set_0 --threads $t --runs $runs --json" "$r"
  row=$(node "$shared/peers/ort_bench.js" "$m/$model" "$t" "$runs" "$@")
  tag "$row" ort "node shared/peers/ort_bench.js $model $t $runs $*" "$r"
}
start=$(cat "$out" 2>/dev/null | wc -l)
i=1
while [ "$i" -le "$rounds" ]; do
  for t in 1 2; do
    pair "$i" $t 100 paddleocr/ch_ppocr_mobile_v2.0_cls_infer.onnx paddleocr/reference/cls x=2x3x48x192
    pair "$i" $t 10 paddleocr/ch_PP-OCRv4_rec_infer.onnx paddleocr/reference/rec x=1x3x48x1120
    pair "$i" $t 10 paddleocr/ch_PP-OCRv4_det_infer.onnx paddleocr/reference/det x=1x3x320x544
    pair "$i" $t 500 silero-vad/silero_vad_v5.onnx silero-vad/reference/v5 input=1x576 state=2x1x128 sr=:int64:16000
    pair "$i" $t 500 onnx-small/mnist-8.onnx onnx-small/reference/mnist-8 Input3=1x1x28x28
  done
  i=$((i + 1))
done
# per model and thread count: medians over this invocation's rounds, Pare ÷ ORT
tail -n +"$((start + 1))" "$out" | /usr/bin/python3 -c '
import sys, json, statistics as st, collections
d = collections.defaultdict(list)
for line in sys.stdin:
    r = json.loads(line)
    d[(r["name"], r["threads"], r["engine"])].append(r["ms"])
for n, t in sorted({k[:2] for k in d}):
    p, o = st.median(d[(n, t, "pare")]), st.median(d[(n, t, "ort")])
    print(f"median {n} t{t}: pare {p:.4g} ort {o:.4g} ms, pare/ort {p / o:.2f}")
'
