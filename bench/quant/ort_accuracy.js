#!/usr/bin/env node
// Accuracy of an image classifier in ONNX Runtime on raw float32 images [N,1,28,28] and uint8 labels.
// usage: NODE_PATH=/work/ort/node_modules node ort_accuracy.js MODEL.onnx IMAGES.f32 LABELS BATCH [PRED_OUT]
// Prints {"model":..,"accuracy":..,"n":..}; writes the argmax per sample (uint8) to PRED_OUT when given.
const fs = require('fs');
const ort = require('onnxruntime-node');
(async () => {
  const [model, imgPath, labPath, batchArg, predOut] = process.argv.slice(2);
  const buf = fs.readFileSync(imgPath);
  const images = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const labels = fs.readFileSync(labPath);
  const n = labels.length, px = 784, batch = +batchArg;
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const pred = new Uint8Array(n);
  let correct = 0;
  for (let s = 0; s < n; s += batch) {
    const b = Math.min(batch, n - s);
    const x = new ort.Tensor('float32', images.slice(s * px, (s + b) * px), [b, 1, 28, 28]);
    const out = await session.run({ [session.inputNames[0]]: x });
    const y = out[session.outputNames[0]].data;
    const classes = y.length / b;
    for (let i = 0; i < b; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (y[i * classes + c] > y[i * classes + best]) best = c;
      pred[s + i] = best;
      if (best === labels[s + i]) correct++;
    }
  }
  if (predOut) fs.writeFileSync(predOut, pred);
  console.log(JSON.stringify({ model, accuracy: correct / n, n }));
})().catch(e => { console.error(e.message); process.exit(1); });
