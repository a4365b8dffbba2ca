#!/usr/bin/env python3
# Writes calibration folders (ONNX test-vector layout) and test-set arrays for the quantization measurements.
# usage: /usr/bin/python3 prep_data.py OUT_DIR
# fashion: pixels normalized as Pare's trainer does ((x/255 - 0.2860)/0.3530); mnist-8 takes raw 0..255 pixels.
import gzip, os, sys
import numpy as np
from onnx import numpy_helper

def idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)

def calib(out, images, batch, count):
    for b in range(count):
        d = os.path.join(out, f'test_data_set_{b}')
        os.makedirs(d, exist_ok=True)
        x = images[b * batch:(b + 1) * batch]
        with open(os.path.join(d, 'input_0.pb'), 'wb') as f:
            f.write(numpy_helper.from_array(np.ascontiguousarray(x, np.float32)).SerializeToString())

out = sys.argv[1]
shared = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared')
fm = '/usr/share/datasets/fashion-mnist'
ftrain = (idx(f'{fm}/train-images-idx3-ubyte.gz')[:, None].astype(np.float32) / 255 - 0.2860) / 0.3530
ftest = (idx(f'{fm}/t10k-images-idx3-ubyte.gz')[:, None].astype(np.float32) / 255 - 0.2860) / 0.3530
rng = np.random.default_rng(0)
calib(f'{out}/fashion_calib', ftrain[rng.permutation(len(ftrain))[:512]], 64, 8)
calib(f'{out}/fashion_noise', rng.standard_normal((512, 1, 28, 28)).astype(np.float32), 64, 8)
ftest.astype(np.float32).tofile(f'{out}/fashion_test.f32')
idx(f'{fm}/t10k-labels-idx1-ubyte.gz').astype(np.uint8).tofile(f'{out}/fashion_test.labels')
mtrain = idx(f'{shared}/data/mnist10k/train10k-images-idx3-ubyte.gz')[:, None].astype(np.float32)
calib(f'{out}/mnist_calib', mtrain[rng.permutation(len(mtrain))[:256]], 1, 256)
idx(f'{shared}/data/mnist/t10k-images-idx3-ubyte.gz')[:, None].astype(np.float32).tofile(f'{out}/mnist_test.f32')
idx(f'{shared}/data/mnist/t10k-labels-idx1-ubyte.gz').astype(np.uint8).tofile(f'{out}/mnist_test.labels')
