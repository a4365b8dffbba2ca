#!/bin/sh
# Builds the inputs of bench/quant/int8_speed_rows.sh in DIR (default /tmp/qs) from the repo and ../shared:
#   cnn.onnx / mlp.onnx      `pare train` on Fashion-MNIST, 1 epoch, seed 0 (the model.onnx written beside the checkpoint)
#   cnn_q.onnx / mlp_q.onnx  `pare quantize --mode static` calibrated on 8 batches of 64 training images
#   rec13.onnx               PaddleOCR PP-OCRv4 rec upgraded to opset 13 by python3-onnx's version converter (the
#                            opset Pare's quantizer upgrades to, so fp32 and int8 run the same graph shape in both runtimes)
#   rec_q.onnx               `pare quantize --mode static` of rec13, calibrated on its reference input
#   data/in_b1, data/in_b64  the first 1 / 64 Fashion-MNIST test images, ONNX test-vector layout
# usage: sh bench/quant/speed_inputs.sh [DIR]   (needs /usr/bin/python3 with numpy + onnx, ../shared, Fashion-MNIST from
# Debian's dataset-fashion-mnist; takes ~1-2 min on 2 cores)
# The model files are deterministic: a run on 2026-11-30 rebuilt the measured /tmp/qs models byte for byte (the
# measured b1/b64 batches held other values of the same shape; latency does not depend on them).
set -e
here=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-/tmp/qs}
P=${PARE:-$here/src/Pare.Cli/bin/Release/net10.0/pare}
S=$here/../shared
mkdir -p "$OUT/data"
/usr/bin/python3 "$here/bench/quant/prep_data.py" "$OUT/data"
/usr/bin/python3 - "$OUT/data" <<'PY'
import os, sys, numpy as np
from onnx import numpy_helper
out = sys.argv[1]
x = np.fromfile(f'{out}/fashion_test.f32', np.float32).reshape(-1, 1, 28, 28)
for b in (1, 64):
    d = f'{out}/in_b{b}/test_data_set_0'
    os.makedirs(d, exist_ok=True)
    with open(f'{d}/input_0.pb', 'wb') as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(x[:b]), 'image').SerializeToString())
PY
for m in cnn mlp; do
  $P train --model $m --data fashion-mnist --epochs 1 --seed 0 --out "$OUT/${m}_run" | tail -1
  cp "$OUT/${m}_run/model.onnx" "$OUT/$m.onnx"
  $P quantize "$OUT/$m.onnx" --out "$OUT/${m}_q.onnx" --mode static --calib "$OUT/data/fashion_calib" | tail -1
done
REC=$S/models/paddleocr/ch_PP-OCRv4_rec_infer.onnx
# python3-onnx 1.12's converter stops at Softmax 12->13 (unknown shapes), so: convert to 11, then apply the one 11->13
# change this graph needs (Squeeze's axes attribute becomes an input); its Softmax and ReduceMean act on the last axis,
# where 13's meaning equals 11's.
/usr/bin/python3 - "$REC" "$OUT/rec13.onnx" <<'PY'
import sys, onnx
from onnx import helper, numpy_helper, version_converter
import numpy as np
m = version_converter.convert_version(onnx.load(sys.argv[1]), 11)
for n in m.graph.node:
    if n.op_type == 'Squeeze':
        axes = [a for a in n.attribute if a.name == 'axes']
        if axes:
            m.graph.initializer.append(numpy_helper.from_array(np.array(axes[0].ints, np.int64), n.name + '_axes'))
            n.input.append(n.name + '_axes')
            n.attribute.remove(axes[0])
    assert n.op_type not in ('Unsqueeze', 'Split', 'ReduceSum'), n.op_type  # would need the same rewrite
m.opset_import[0].version = 13
onnx.save(m, sys.argv[2])
PY
$P quantize "$OUT/rec13.onnx" --out "$OUT/rec_q.onnx" --mode static --calib "$S/models/paddleocr/reference/rec" | tail -1
