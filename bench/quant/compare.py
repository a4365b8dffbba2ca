#!/usr/bin/python3
# Pare's outputs (pare run → OUT/output_0.pb) against ONNX Runtime's argmax (ort_accuracy.js PRED_OUT) and the labels.
# usage: compare.py PARE_OUT_DIR ORT_PRED LABELS
import sys
import numpy as np
from onnx import numpy_helper, TensorProto
t = TensorProto(); t.ParseFromString(open(sys.argv[1] + '/output_0.pb', 'rb').read())
y = numpy_helper.to_array(t)
pare = y.argmax(1)
ort = np.fromfile(sys.argv[2], np.uint8)
labels = np.fromfile(sys.argv[3], np.uint8)
print({'pare_accuracy': float((pare == labels).mean()), 'argmax_agree_with_ort': float((pare == ort).mean()), 'n': len(labels)})
