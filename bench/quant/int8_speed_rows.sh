#!/bin/sh
# int8 speed rows (issue 5): Pare fp32, Pare int8 (QDQ from `pare quantize --mode static`) and ONNX Runtime int8 on the
# same QDQ file, interleaved, ROUNDS (default 3) x {2, 1} threads, CNN/MLP (batch 1 and 64) and PaddleOCR rec (rec13: the
# opset-13 copy; ORT fp32 too). Prints one line per measurement ("round tT model bB engine p50_ms"), then per row the
# medians over rounds with fp32 ÷ int8 and Pare int8 ÷ ORT int8.
# Inputs: run bench/quant/speed_inputs.sh DIR first (default DIR /tmp/qs); QS=DIR selects another folder.
# PARE=binary measures another build; BASE=binary adds a "base_int8" row from a second build (before/after a change).
# usage: sh bench/quant/int8_speed_rows.sh [ROUNDS]
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "${QS:-/tmp/qs}"
P=${PARE:-$here/src/Pare.Cli/bin/Release/net10.0/pare}
export NODE_PATH=${NODE_PATH:-/work/ort/node_modules}
ORT=$here/../shared/peers/ort_bench.js
R=$here/../shared/models/paddleocr/reference/rec/test_data_set_0
out=$(mktemp)
ms() { tail -1 | grep -o '"ms":[0-9.]*' | cut -d: -f2; }
row() { echo "$1 $2" | tee -a "$out"; }
for r in $(seq 1 "${1:-3}"); do
 for t in 2 1; do
  for m in cnn mlp; do for b in 1 64; do
   runs=200; [ $b = 64 ] && runs=50
   in=data/in_b$b/test_data_set_0
   row "$r t$t $m b$b pare_fp32" "$($P bench $m.onnx --inputs $in --threads $t --runs $runs --json | ms)"
   [ -n "$BASE" ] && row "$r t$t $m b$b base_int8" "$($BASE bench ${m}_q.onnx --inputs $in --threads $t --runs $runs --json | ms)"
   row "$r t$t $m b$b pare_int8" "$($P bench ${m}_q.onnx --inputs $in --threads $t --runs $runs --json | ms)"
   row "$r t$t $m b$b ort_int8" "$(node $ORT ${m}_q.onnx $t $runs image=${b}x1x28x28 | ms)"
  done; done
  row "$r t$t rec b1 pare_fp32" "$($P bench rec13.onnx --inputs $R --threads $t --runs 10 --json | ms)"
  [ -n "$BASE" ] && row "$r t$t rec b1 base_int8" "$($BASE bench rec_q.onnx --inputs $R --threads $t --runs 10 --json | ms)"
  row "$r t$t rec b1 pare_int8" "$($P bench rec_q.onnx --inputs $R --threads $t --runs 10 --json | ms)"
  row "$r t$t rec b1 ort_int8" "$(node $ORT rec_q.onnx $t 10 x=1x3x48x1120 | ms)"
  row "$r t$t rec b1 ort_fp32" "$(node $ORT rec13.onnx $t 10 x=1x3x48x1120 | ms)"
 done
done
/usr/bin/python3 - "$out" <<'PY'
import sys, statistics as st, collections
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 6 and p[5]: d[tuple(p[1:5])].append(float(p[5]))
med = {k: st.median(v) for k, v in d.items()}
for t, m, b in sorted({k[:3] for k in med}):
    f, i, o = (med.get((t, m, b, e)) for e in ('pare_fp32', 'pare_int8', 'ort_int8'))
    if f and i and o:
        print(f'median {t} {m} {b}: fp32 {f:.4g} int8 {i:.4g} ort_int8 {o:.4g} ms; fp32/int8 {f / i:.2f}, int8/ort {i / o:.2f}')
PY
rm -f "$out"
