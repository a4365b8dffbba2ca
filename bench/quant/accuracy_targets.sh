#!/bin/sh
# Accuracy-driven quantization of the real models (issue 5): Silero VAD v5/legacy to max |Δp| ≤ 0.02 per chunk, and
# PP-OCRv4 rec static W8A8 to the fp32 text. Each quantized file is then run in ONNX Runtime (bench/quant/silero_stream.js
# streams both recordings through fp32 and the quantized file; bench/peers/ort_run.js runs rec).
# usage: sh bench/quant/accuracy_targets.sh [OUT_DIR]   (needs ../shared, node + onnxruntime-node)
#
# Silero is calibrated and targeted on en_num.wav (375 chunks, the fp32 state carried: silero_stream.js calib) with the
# state fed back while measuring (--feedback), and checked on es.wav (1 875 chunks), which the search never sees. The Pare
# side of the same check is tests/Pare.Compression.Tests/Quantization/SileroQuantizationTests (streams es.wav in Pare).
set -e
OUT=${1:-/tmp/pare_quant_targets}
P=src/Pare.Cli/bin/Release/net10.0/pare
M=../shared/models
A=../shared/data/audio-speech
export NODE_PATH=${NODE_PATH:-/work/ort/node_modules}
mkdir -p "$OUT"
for v in v5 legacy; do
  [ $v = v5 ] && FB=stateN=state || FB=hn=h,cn=c
  node bench/quant/silero_stream.js calib $M/silero-vad/silero_vad_$v.onnx $A/en_num.wav 375 "$OUT/calib_$v"
  for mode in weight-only static; do
    $P quantize $M/silero-vad/silero_vad_$v.onnx --out "$OUT/silero_${v}_$mode.onnx" --mode $mode --calib "$OUT/calib_$v" \
      --calib-batches 375 --target-max-diff 0.015 --feedback $FB --latency-runs 3 | grep -E 'accuracy search|kept in float|file bytes'
    node bench/quant/silero_stream.js compare $M/silero-vad/silero_vad_$v.onnx "$OUT/silero_${v}_$mode.onnx" $A/en_num.wav $A/es.wav
  done
done
REC=$M/paddleocr/ch_PP-OCRv4_rec_infer.onnx
for e in minmax entropy; do
  $P quantize $REC --out "$OUT/rec_static_$e.onnx" --calib $M/paddleocr/reference/rec --bias-correction --estimator $e \
    --target-agreement 1 --latency-runs 3 | grep -E 'accuracy search|kept in float|file bytes|argmax'
  node bench/peers/ort_run.js "$OUT/rec_static_$e.onnx" $M/paddleocr/reference/rec/test_data_set_0 "$OUT/rec_static_${e}_ort" >/dev/null
  /usr/bin/python3 - "$OUT/rec_static_${e}_ort/output_0.pb" $M/paddleocr/ppocr_keys_v1.txt <<'PY'
import sys
from onnx import numpy_helper, TensorProto
t = TensorProto(); t.ParseFromString(open(sys.argv[1], 'rb').read())
keys = open(sys.argv[2], encoding='utf-8').read().splitlines()
text, prev = [], -1
for c in numpy_helper.to_array(t)[0].argmax(1):
    if c != prev and c != 0: text.append(keys[c - 1] if c <= len(keys) else ' ')
    prev = c
print('ORT decodes:', ''.join(text))
PY
done
