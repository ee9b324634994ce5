// Reference landmarks from face-api itself for Doppel's faceapi-landmark68 conversion test.
//
// Usage (outside the repository; needs only Node >= 18 and the pinned package, no tfjs-node):
//   mkdir /tmp/faceapi && cd /tmp/faceapi && npm pack @vladmandic/face-api@1.7.15 && tar xzf vladmandic-face-api-1.7.15.tgz
//   node <repo>/tests/Doppel.Models.Tests/Fixtures/face-api-landmark-reference.mjs /tmp/faceapi/package > face-api-landmark-reference.json
//
// It runs the package's browser bundle (which carries tfjs 4.22) on tfjs's pure-JS CPU backend.
// The input is the synthetic 112x112 RGB pattern that FaceApiReference.Pattern(size: 112) regenerates in C#;
// at 112x112 face-api neither pads nor resizes, so the output is the network's own.
import fs from 'fs';
import util from 'util';

const packageDir = process.argv[2];
if (!packageDir) throw new Error('usage: node face-api-landmark-reference.mjs <extracted face-api package dir>');

// The bundle's Node platform shim expects a util module it does not carry: hide Node while the
// bundle loads, then register a minimal platform ourselves.
const realVersions = process.versions;
Object.defineProperty(process, 'versions', { value: { ...realVersions, node: undefined }, configurable: true });
const faceapi = await import(`${packageDir}/dist/face-api.esm.js`);
Object.defineProperty(process, 'versions', { value: realVersions, configurable: true });
const tf = faceapi.tf;
tf.env().setPlatform('node', {
  fetch: (u, o) => fetch(u, o),
  now: () => performance.now(),
  encode: (t) => new util.TextEncoder().encode(t),
  decode: (b, e) => new util.TextDecoder(e).decode(b),
  isTypedArray: (a) => util.types.isFloat32Array(a) || util.types.isInt32Array(a) || util.types.isUint8Array(a) || util.types.isUint8ClampedArray(a),
});
await tf.setBackend('cpu');
await tf.ready();
faceapi.env.setEnv(faceapi.env.createNodejsEnv());

const dir = `${packageDir}/model/`;
const manifest = JSON.parse(fs.readFileSync(dir + 'face_landmark_68_model-weights_manifest.json'));
const shards = Buffer.concat(manifest[0].paths.map((p) => fs.readFileSync(dir + p)));
const weightMap = tf.io.decodeWeights(shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.length), manifest[0].weights);
const net = faceapi.nets.faceLandmark68Net;
net.loadFromWeightMap(weightMap);

const S = 112;
const pixels = new Float32Array(S * S * 3);
for (let y = 0; y < S; y++) {
  for (let x = 0; x < S; x++) {
    const i = (y * S + x) * 3;
    pixels[i] = (x * 7 + y * 3) % 256;
    pixels[i + 1] = (x * 2 + y * 5 + 40) % 256;
    pixels[i + 2] = (x * y) % 256;
  }
}
const output = net.forwardInput(await faceapi.toNetInput(tf.tensor4d(pixels, [1, S, S, 3])));
const landmarks = await output.data();
console.log(JSON.stringify({
  package: '@vladmandic/face-api@1.7.15',
  tfjs: tf.version_core,
  backend: tf.getBackend(),
  input: 'R=(7x+3y)%256, G=(2x+5y+40)%256, B=(x*y)%256, 112x112, x=column, y=row',
  landmarks: Array.from(landmarks),
}, null, 1));
