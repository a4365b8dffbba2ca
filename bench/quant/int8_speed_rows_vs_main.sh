#!/bin/sh
# interleaved: main pare int8 (before), this branch int8 (after), ORT int8, this branch fp32; p50 ms
P=${P:-$(cd "$(dirname "$0")/../.." && pwd)/src/Pare.Cli/bin/Release/net10.0/pare}
cd /tmp/qs
M=${M:-/work/main/src/Pare.Cli/bin/Release/net10.0/pare}
export NODE_PATH=/work/ort/node_modules
R=/work/shared/models/paddleocr/reference/rec/test_data_set_0
ms() { grep -o '"ms":[0-9.]*' | tail -1 | cut -d: -f2; }
for r in 1 2 3; do
 for t in 2 1; do
  for m in cnn mlp; do for b in 1 64; do
   runs=200; [ $b = 64 ] && runs=50
   echo "$r t$t $m b$b main_int8 $($M bench ${m}_q.onnx --inputs data/in_b$b/test_data_set_0 --threads $t --runs $runs --json | ms)"
   echo "$r t$t $m b$b pare_int8 $($P bench ${m}_q.onnx --inputs data/in_b$b/test_data_set_0 --threads $t --runs $runs --json | ms)"
   echo "$r t$t $m b$b ort_int8 $(node /work/shared/peers/ort_bench.js ${m}_q.onnx $t $runs image=${b}x1x28x28 | ms)"
   echo "$r t$t $m b$b pare_fp32 $($P bench $m.onnx --inputs data/in_b$b/test_data_set_0 --threads $t --runs $runs --json | ms)"
  done; done
  echo "$r t$t rec b1 main_int8 $($M bench rec_q.onnx --inputs $R --threads $t --runs 10 --json | ms)"
  echo "$r t$t rec b1 pare_int8 $($P bench rec_q.onnx --inputs $R --threads $t --runs 10 --json | ms)"
  echo "$r t$t rec b1 ort_int8 $(node /work/shared/peers/ort_bench.js rec_q.onnx $t 10 x=1x3x48x1120 | ms)"
  echo "$r t$t rec b1 pare_fp32 $($P bench rec13.onnx --inputs $R --threads $t --runs 10 --json | ms)"
 done
done
