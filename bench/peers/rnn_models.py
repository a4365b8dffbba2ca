"""Writes the one-node ONNX LSTM/GRU models that bench/Pare.Bench RecurrentSuite times, for ONNX Runtime to time
the same shapes (see ort_rnn.sh). usage: /usr/bin/python3 bench/peers/rnn_models.py OUT_DIR"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

S, B, I, H = 64, 8, 64, 128


def model(op, direction, path):
    g = 4 if op == "LSTM" else 3
    d = 2 if direction == "bidirectional" else 1
    rng = np.random.default_rng(0)
    scale = 1 / np.sqrt(H)
    inits = [
        numpy_helper.from_array(rng.uniform(-scale, scale, (d, g * H, I)).astype(np.float32), "W"),
        numpy_helper.from_array(rng.uniform(-scale, scale, (d, g * H, H)).astype(np.float32), "R"),
        numpy_helper.from_array(rng.uniform(-scale, scale, (d, 2 * g * H)).astype(np.float32), "B"),
    ]
    node = helper.make_node(op, ["X", "W", "R", "B"], ["Y", "Y_h"], hidden_size=H, direction=direction)
    graph = helper.make_graph(
        [node], op.lower(), [helper.make_tensor_value_info("X", TensorProto.FLOAT, [S, B, I])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [S, d, B, H]), helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, [d, B, H])],
        inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)


out = sys.argv[1]
model("LSTM", "forward", f"{out}/onnx_lstm_s{S}_b{B}_i{I}_h{H}.onnx")
model("LSTM", "bidirectional", f"{out}/onnx_lstm_bidi_s{S}_b{B}_i{I}_h{H}.onnx")
model("GRU", "forward", f"{out}/onnx_gru_s{S}_b{B}_i{I}_h{H}.onnx")
