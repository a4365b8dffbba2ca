#!/usr/bin/env node
// Peer runner: runs an ONNX model in ONNX Runtime (npm onnxruntime-node) on ONNX test-vector files and writes the
// outputs the same way `pare run` does, so the two can be compared file by file.
// usage: NODE_PATH=/work/ort/node_modules node ort_run.js MODEL.onnx INPUT_DIR OUT_DIR [THREADS]
// ORT_OPT=disabled|basic|extended|all (default all) sets graphOptimizationLevel, e.g. to tell ORT's QDQ fusion
// from its kernels.
// Reads INPUT_DIR/input_K.pb (one serialized TensorProto each, K in the model's input order) and writes
// OUT_DIR/output_K.pb named as the model's outputs. Handles float32, int64, int32, int8, uint8 and bool tensors.
// TensorProto is decoded/encoded by hand (fields 1 dims, 2 data_type, 4 float_data, 5 int32_data, 7 int64_data,
// 8 name, 9 raw_data) so no protobuf package is needed.
const fs = require('fs');
const path = require('path');
const ort = require(process.env.ORT_NODE || 'onnxruntime-node');

const TYPES = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool' };
const CODES = Object.fromEntries(Object.entries(TYPES).map(([k, v]) => [v, +k]));
const ARRAYS = { float32: Float32Array, uint8: Uint8Array, int8: Int8Array, int32: Int32Array, int64: BigInt64Array, bool: Uint8Array };

function readVarint(buf, pos) {
  let result = 0n, shift = 0n;
  for (;;) {
    if (pos.i >= buf.length) throw new Error('truncated varint');
    const b = buf[pos.i++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
  }
}

function decodeTensor(buf) {
  const t = { dims: [], type: 0, name: '', raw: null, floats: [], int32s: [], int64s: [] };
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const key = Number(readVarint(buf, pos));
    const field = key >> 3, wire = key & 7;
    if (wire === 0) {
      const v = readVarint(buf, pos);
      if (field === 1) t.dims.push(Number(BigInt.asIntN(64, v)));
      else if (field === 2) t.type = Number(v);
      else if (field === 5) t.int32s.push(Number(BigInt.asIntN(32, v)));
      else if (field === 7) t.int64s.push(BigInt.asIntN(64, v));
    } else if (wire === 2) {
      const len = Number(readVarint(buf, pos));
      const bytes = buf.subarray(pos.i, pos.i + len);
      pos.i += len;
      if (field === 8) t.name = bytes.toString('utf8');
      else if (field === 9) t.raw = bytes;
      else if (field === 4) for (let j = 0; j < len; j += 4) t.floats.push(bytes.readFloatLE(j));
      else if (field === 1 || field === 5 || field === 7) {
        const inner = { i: 0 };
        while (inner.i < bytes.length) {
          const v = readVarint(bytes, inner);
          if (field === 1) t.dims.push(Number(BigInt.asIntN(64, v)));
          else if (field === 5) t.int32s.push(Number(BigInt.asIntN(32, v)));
          else t.int64s.push(BigInt.asIntN(64, v));
        }
      }
    } else if (wire === 5) { if (field === 4) t.floats.push(buf.readFloatLE(pos.i)); pos.i += 4; }
    else if (wire === 1) pos.i += 8;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  const type = TYPES[t.type];
  if (!type) throw new Error(`element type ${t.type} is not supported`);
  const n = t.dims.reduce((a, b) => a * b, 1);
  const Array_ = ARRAYS[type];
  let data;
  if (t.raw) data = new Array_(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + t.raw.length));
  else if (type === 'float32') data = Float32Array.from(t.floats);
  else if (type === 'int64') data = BigInt64Array.from(t.int64s);
  else data = Array_.from(t.int32s);
  if (data.length !== n) throw new Error(`tensor '${t.name}' has ${data.length} values, dims need ${n}`);
  return new ort.Tensor(type, type === 'bool' ? Uint8Array.from(data, x => (x ? 1 : 0)) : data, t.dims);
}

function varint(v) {
  let x = BigInt.asUintN(64, BigInt(v));
  const out = [];
  do { let b = Number(x & 0x7fn); x >>= 7n; if (x) b |= 0x80; out.push(b); } while (x);
  return Buffer.from(out);
}

function encodeTensor(tensor, name) {
  const parts = [];
  for (const d of tensor.dims) parts.push(varint(1 << 3), varint(d));
  parts.push(varint(2 << 3), varint(CODES[tensor.type]));
  const nameBytes = Buffer.from(name, 'utf8');
  parts.push(varint((8 << 3) | 2), varint(nameBytes.length), nameBytes);
  const d = tensor.data;
  const raw = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  parts.push(varint((9 << 3) | 2), varint(raw.length), raw);
  return Buffer.concat(parts);
}

(async () => {
  const [model, inputDir, outDir, threads = '1'] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: node ort_run.js MODEL.onnx INPUT_DIR OUT_DIR [THREADS]');
  const s = await ort.InferenceSession.create(model, { intraOpNumThreads: +threads, interOpNumThreads: 1, graphOptimizationLevel: process.env.ORT_OPT || 'all' });
  const feeds = {};
  s.inputNames.forEach((name, k) => { feeds[name] = decodeTensor(fs.readFileSync(path.join(inputDir, `input_${k}.pb`))); });
  const results = await s.run(feeds);
  fs.mkdirSync(outDir, { recursive: true });
  s.outputNames.forEach((name, k) => {
    const file = path.join(outDir, `output_${k}.pb`);
    fs.writeFileSync(file + '.tmp', encodeTensor(results[name], name));
    fs.renameSync(file + '.tmp', file);
  });
  console.log(JSON.stringify({ model: path.basename(model), inputs: s.inputNames, outputs: s.outputNames }));
})().catch(e => { console.error(e.message); process.exit(1); });
