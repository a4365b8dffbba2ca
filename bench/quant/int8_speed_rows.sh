#!/bin/sh
# int8 speed rows (issue 5): pare fp32, pare int8 (QDQ from `pare quantize --mode static`) and ONNX Runtime int8, interleaved,
# 3 rounds x {2, 1} threads, CNN/MLP (batch 1 and 64) and PaddleOCR rec (rec13: the opset-13 copy).
# Inputs: run bench/quant/speed_inputs.sh DIR first (default DIR /tmp/qs); QS=DIR selects another folder.
# interleaved: pare fp32, pare int8, ORT int8 (and ORT fp32) per round; medians computed after
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "${QS:-/tmp/qs}"
P=${PARE:-$here/src/Pare.Cli/bin/Release/net10.0/pare}
export NODE_PATH=${NODE_PATH:-/work/ort/node_modules}
R=$here/../shared/models/paddleocr/reference/rec/test_data_set_0
for r in 1 2 3; do
 for t in 2 1; do
  for m in cnn mlp; do for b in 1 64; do
   runs=200; [ $b = 64 ] && runs=50
   echo "$r t$t $m b$b pare_fp32 $($P bench $m.onnx --inputs data/in_b$b/test_data_set_0 --threads $t --runs $runs --json | tail -1 | grep -o '"ms":[0-9.]*' | cut -d: -f2)"
   echo "$r t$t $m b$b pare_int8 $($P bench ${m}_q.onnx --inputs data/in_b$b/test_data_set_0 --threads $t --runs $runs --json | tail -1 | grep -o '"ms":[0-9.]*' | cut -d: -f2)"
   echo "$r t$t $m b$b ort_int8 $(node $here/../shared/peers/ort_bench.js ${m}_q.onnx $t $runs image=${b}x1x28x28 | grep -o '"ms":[0-9.]*' | cut -d: -f2)"
  done; done
  echo "$r t$t rec b1 pare_fp32 $($P bench rec13.onnx --inputs $R --threads $t --runs 10 --json | tail -1 | grep -o '"ms":[0-9.]*' | cut -d: -f2)"
  echo "$r t$t rec b1 pare_int8 $($P bench rec_q.onnx --inputs $R --threads $t --runs 10 --json | tail -1 | grep -o '"ms":[0-9.]*' | cut -d: -f2)"
  echo "$r t$t rec b1 ort_int8 $(node $here/../shared/peers/ort_bench.js rec_q.onnx $t 10 x=1x3x48x1120 | grep -o '"ms":[0-9.]*' | cut -d: -f2)"
  echo "$r t$t rec b1 ort_fp32 $(node $here/../shared/peers/ort_bench.js rec13.onnx $t 10 x=1x3x48x1120 | grep -o '"ms":[0-9.]*' | cut -d: -f2)"
 done
done
