#!/bin/sh
# Interleaved pare (BASE build vs NEW build) and ONNX Runtime latency on PaddleOCR cls/det/rec, 1 thread, 3 rounds.
# usage: BASE=/path/to/base/worktree NEW=/path/to/new/worktree sh bench/peers/conv_fusion_rows.sh (rows to /tmp/pc_rows.jsonl)
P=/work/shared/models/paddleocr
export NODE_PATH=/work/ort/node_modules
out=/tmp/pc_rows.jsonl
for round in 1 2 3; do
for spec in "cls ch_ppocr_mobile_v2.0_cls_infer.onnx 20 2x3x48x192" "det ch_PP-OCRv4_det_infer.onnx 8 1x3x320x544" "rec ch_PP-OCRv4_rec_infer.onnx 8 1x3x48x1120"; do
  set -- $spec
  for which in base new; do
    d=$BASE; [ $which = new ] && d=$NEW
    r=$(dotnet $d/src/Pare.Cli/bin/Release/net10.0/pare.dll bench $P/$2 --inputs $P/reference/$1/test_data_set_0 --threads 1 --runs $3 --json | tail -1)
    echo "{\"who\":\"$which\",\"round\":$round,\"row\":$r,\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}" | tee -a $out
  done
  r=$(node /work/shared/peers/ort_bench.js $P/$2 1 $3 x=$4 | tail -1)
  echo "{\"who\":\"ort\",\"round\":$round,\"row\":$r,\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}" | tee -a $out
done; done
