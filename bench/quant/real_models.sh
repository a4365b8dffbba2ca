#!/bin/sh
# Quantizes the real models (PaddleOCR rec, Silero VAD v5/legacy), runs each quantized file in Pare (`pare run`) and in
# ONNX Runtime (bench/peers/ort_run.js) on the reference inputs, and prints the max |Pare − ORT| per output plus the
# CTC text for rec. usage: sh bench/quant/real_models.sh [OUT_DIR]   (needs ../shared, node + onnxruntime-node)
set -e
OUT=${1:-/tmp/pare_quant_real}
P=src/Pare.Cli/bin/Release/net10.0/pare
M=../shared/models
mkdir -p "$OUT"
compare() { # NAME MODEL INPUT_DIR
  $P run "$2" --inputs "$3" --out "$OUT/$1_pare" >/dev/null
  NODE_PATH=${NODE_PATH:-/work/ort/node_modules} node bench/peers/ort_run.js "$2" "$3" "$OUT/$1_ort" >/dev/null
  /usr/bin/python3 - "$OUT/$1_pare" "$OUT/$1_ort" "$1" <<'PY'
import sys, glob, os, numpy as np
from onnx import numpy_helper, TensorProto
def load(p):
    t = TensorProto(); t.ParseFromString(open(p, 'rb').read()); return numpy_helper.to_array(t)
for f in sorted(glob.glob(sys.argv[1] + '/output_*.pb')):
    a, b = load(f), load(os.path.join(sys.argv[2], os.path.basename(f)))
    print(f'{sys.argv[3]} {os.path.basename(f)}: max |pare - ort| = {float(np.abs(a - b).max()):.3g}')
PY
}
REC=$M/paddleocr/ch_PP-OCRv4_rec_infer.onnx
$P quantize $REC --out "$OUT/rec_w8a8_bc.onnx" --calib $M/paddleocr/reference/rec --bias-correction | tail -1
compare rec_w8a8_bc "$OUT/rec_w8a8_bc.onnx" $M/paddleocr/reference/rec/test_data_set_0
$P quantize $REC --out "$OUT/rec_wo_bc.onnx" --mode weight-only --calib $M/paddleocr/reference/rec --bias-correction | tail -1
compare rec_wo_bc "$OUT/rec_wo_bc.onnx" $M/paddleocr/reference/rec/test_data_set_0
for v in v5 legacy; do
  for mode in static weight-only; do
    $P quantize $M/silero-vad/silero_vad_$v.onnx --out "$OUT/silero_${v}_$mode.onnx" --mode $mode --calib $M/silero-vad/reference/$v | tail -1
    for s in 0 1 2 3; do compare silero_${v}_${mode}_set$s "$OUT/silero_${v}_$mode.onnx" $M/silero-vad/reference/$v/test_data_set_$s; done
  done
done
