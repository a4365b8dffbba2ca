#!/usr/bin/env node
// Silero VAD streamed in ONNX Runtime, as Silero's own wrapper runs it: 512-sample chunks of a 16 kHz WAV, the state
// fed back chunk by chunk (v5: `state`→`stateN` and a 64-sample context; v4 legacy: `h`/`c`→`hn`/`cn`).
// usage: NODE_PATH=/work/ort/node_modules node silero_stream.js compare FP32.onnx QUANT.onnx WAV...
//          prints per file the max and mean |p_q − p_fp32| over every chunk (both models run in ORT) and the flips of p > 0.5
//        node silero_stream.js calib FP32.onnx WAV N OUT_DIR
//          writes the first N steps' inputs (with the fp32 model's carried state) as OUT_DIR/test_data_set_K/input_J.pb,
//          a calibration folder for `pare quantize --calib OUT_DIR --feedback ...`
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function readWav(file) { // 16-bit PCM mono → floats (sample / 32768)
  const b = fs.readFileSync(file);
  for (let at = 12; at + 8 <= b.length;) {
    const id = b.toString('ascii', at, at + 4), size = b.readInt32LE(at + 4);
    if (id === 'data') { const n = size / 2, x = new Float32Array(n); for (let i = 0; i < n; i++) x[i] = b.readInt16LE(at + 8 + 2 * i) / 32768; return x; }
    at += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

function varint(v) {
  let x = BigInt.asUintN(64, BigInt(v));
  const out = [];
  do { let b = Number(x & 0x7fn); x >>= 7n; if (x) b |= 0x80; out.push(b); } while (x);
  return Buffer.from(out);
}

function encodeTensor(t, name) { // TensorProto: dims (1), data_type (2), name (8), raw_data (9)
  const codes = { float32: 1, int64: 7 };
  const parts = [];
  for (const d of t.dims) parts.push(varint(1 << 3), varint(d));
  parts.push(varint(2 << 3), varint(codes[t.type]));
  const nameBytes = Buffer.from(name, 'utf8');
  parts.push(varint((8 << 3) | 2), varint(nameBytes.length), nameBytes);
  const raw = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  parts.push(varint((9 << 3) | 2), varint(raw.length), raw);
  return Buffer.concat(parts);
}

async function* stream(session, samples, count = Infinity) {
  const v5 = session.inputNames.includes('state');
  const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
  let state = new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]);
  let h = new ort.Tensor('float32', new Float32Array(128), [2, 1, 64]), c = h;
  const window = new Float32Array(576);
  const n = Math.min(count, Math.floor(samples.length / 512));
  for (let k = 0; k < n; k++) {
    let feeds;
    if (v5) {
      window.copyWithin(0, 512, 576);
      window.set(samples.subarray(k * 512, (k + 1) * 512), 64);
      feeds = { input: new ort.Tensor('float32', window.slice(), [1, 576]), state, sr };
    } else feeds = { input: new ort.Tensor('float32', samples.slice(k * 512, (k + 1) * 512), [1, 512]), sr, h, c };
    const out = await session.run(feeds);
    yield { feeds, p: out.output.data[0] };
    if (v5) state = out.stateN; else { h = out.hn; c = out.cn; }
  }
}

(async () => {
  const [cmd, ...a] = process.argv.slice(2);
  const open = m => ort.InferenceSession.create(m, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  if (cmd === 'compare') {
    const [fp32, quant, ...wavs] = a;
    const [s0, s1] = [await open(fp32), await open(quant)];
    for (const wav of wavs) {
      const x = readWav(wav), p0 = [], p1 = [];
      for await (const r of stream(s0, x)) p0.push(r.p);
      for await (const r of stream(s1, x)) p1.push(r.p);
      let max = 0, at = 0, sum = 0, flips = 0;
      p0.forEach((p, i) => { const d = Math.abs(p1[i] - p); sum += d; if (d > max) { max = d; at = i; } if ((p > 0.5) !== (p1[i] > 0.5)) flips++; });
      console.log(JSON.stringify({ wav: path.basename(wav), chunks: p0.length, max_abs_dp: +max.toFixed(5), at, mean_abs_dp: +(sum / p0.length).toFixed(6), flips }));
    }
  } else if (cmd === 'calib') {
    const [fp32, wav, n, outDir] = a;
    const s = await open(fp32);
    let k = 0;
    for await (const r of stream(s, readWav(wav), +n)) {
      const dir = path.join(outDir, `test_data_set_${String(k++).padStart(4, '0')}`);
      fs.mkdirSync(dir, { recursive: true });
      s.inputNames.forEach((name, j) => fs.writeFileSync(path.join(dir, `input_${j}.pb`), encodeTensor(r.feeds[name], name)));
    }
    console.log(JSON.stringify({ wrote: k, dir: outDir }));
  } else throw new Error('usage: silero_stream.js compare FP32 QUANT WAV... | calib FP32 WAV N OUT_DIR');
})().catch(e => { console.error(e.message); process.exit(1); });
