#!/bin/sh
# Data-free W8A8 against Gaussian-noise and real calibration on a Fashion-MNIST model with BatchNorm (issue 5):
# trains `cnn-bn` (the cnn preset with a BatchNorm after each conv), quantizes it three ways with `pare quantize
# --mode static`, and measures test accuracy on all 10 000 test images in Pare (`pare run` + compare.py) and in
# ONNX Runtime (ort_accuracy.js), with the argmax agreement between the two.
#   real      --calib: 8 batches of 64 training images (prep_data.py, seeded)
#   noise     --calib: 8 batches of 64 N(0,1) images
#   datafree  --data-free: inputs synthesized until each BatchNorm's batch statistics match its running ones
#   logits    --data-free --data-free-objective logits: the class-logit baseline (sample i pushed toward class i mod 10)
# usage: sh bench/quant/data_free.sh [OUT_DIR]   (EPOCHS=N, default 3; needs /usr/bin/python3 with onnx, node with
# onnxruntime-node at NODE_PATH, Debian's dataset-fashion-mnist)
set -e
here=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-/tmp/pare_datafree}
P=${PARE:-$here/src/Pare.Cli/bin/Release/net10.0/pare}
export NODE_PATH=${NODE_PATH:-/work/ort/node_modules}
mkdir -p "$OUT/data"
/usr/bin/python3 "$here/bench/quant/prep_data.py" "$OUT/data"
/usr/bin/python3 - "$OUT/data" <<'PY'
import os, sys, numpy as np
from onnx import numpy_helper
out = sys.argv[1]
x = np.fromfile(f'{out}/fashion_test.f32', np.float32).reshape(-1, 1, 28, 28)
os.makedirs(f'{out}/test10k', exist_ok=True)
with open(f'{out}/test10k/input_0.pb', 'wb') as f:
    f.write(numpy_helper.from_array(x, 'image').SerializeToString())
PY
$P train --model cnn-bn --data fashion-mnist --epochs "${EPOCHS:-3}" --seed 0 --out "$OUT/run" | tail -1
cp "$OUT/run/model.onnx" "$OUT/fp32.onnx"
$P quantize "$OUT/fp32.onnx" --out "$OUT/real.onnx" --calib "$OUT/data/fashion_calib" | tail -1
$P quantize "$OUT/fp32.onnx" --out "$OUT/noise.onnx" --calib "$OUT/data/fashion_noise" | tail -1
start=$(date +%s)
$P quantize "$OUT/fp32.onnx" --out "$OUT/datafree.onnx" --data-free | tail -1
echo "data-free quantization took $(( $(date +%s) - start )) s"
$P quantize "$OUT/fp32.onnx" --out "$OUT/logits.onnx" --data-free --data-free-objective logits | tail -1
for m in fp32 real noise datafree logits; do
  $P run "$OUT/$m.onnx" --inputs "$OUT/data/test10k" --out "$OUT/${m}_pare" >/dev/null
  ort=$(node "$here/bench/quant/ort_accuracy.js" "$OUT/$m.onnx" "$OUT/data/fashion_test.f32" "$OUT/data/fashion_test.labels" 500 "$OUT/${m}_ort.pred")
  pare=$(/usr/bin/python3 "$here/bench/quant/compare.py" "$OUT/${m}_pare" "$OUT/${m}_ort.pred" "$OUT/data/fashion_test.labels")
  echo "$m $(stat -c %s "$OUT/$m.onnx") bytes ort $ort pare $pare"
done
/usr/bin/python3 - "$OUT" <<'PY'
import sys, numpy as np
from onnx import numpy_helper, TensorProto
def logits(m):
    t = TensorProto(); t.ParseFromString(open(f'{sys.argv[1]}/{m}_pare/output_0.pb', 'rb').read()); return numpy_helper.to_array(t)
f = logits('fp32')
for m in ('real', 'noise', 'datafree', 'logits'):
    y = logits(m)
    print(f'{m} vs fp32 (Pare): argmax agreement {(y.argmax(1) == f.argmax(1)).mean():.4f}, '
          f'relative RMS of the logits {np.sqrt(((y - f) ** 2).mean() / (f ** 2).mean()):.4f}, max |diff| {np.abs(y - f).max():.3f}')
PY
