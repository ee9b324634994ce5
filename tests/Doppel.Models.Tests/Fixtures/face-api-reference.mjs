// Reference outputs from face-api itself for Doppel's conversion tests: the dlib-resnet29 descriptor
// (net "recognition") and the faceapi-landmark68 landmarks (net "landmarks").
//
// Usage (outside the repository; needs only Node >= 18 and the pinned package, no tfjs-node):
//   mkdir /tmp/faceapi && cd /tmp/faceapi && npm pack @vladmandic/face-api@1.7.15 && tar xzf vladmandic-face-api-1.7.15.tgz
//   node <repo>/tests/Doppel.Models.Tests/Fixtures/face-api-reference.mjs /tmp/faceapi/package recognition > face-api-reference.json
//   node <repo>/tests/Doppel.Models.Tests/Fixtures/face-api-reference.mjs /tmp/faceapi/package landmarks > face-api-landmark-reference.json
//
// It runs the package's browser bundle (which carries tfjs 4.22) on tfjs's pure-JS CPU backend.
// The input is the synthetic RGB pattern that FaceApiReference.Pattern() regenerates in C#: 150x150 for the
// recogniser, 112x112 for the landmark net (at its own size face-api neither pads nor resizes, so the
// output is the network's own).
import fs from 'fs';
import util from 'util';

const packageDir = process.argv[2];
const which = process.argv[3] ?? 'recognition';
const nets = {
  recognition: { manifest: 'face_recognition_model-weights_manifest.json', size: 150, key: 'descriptor',
    net: (api) => api.nets.faceRecognitionNet, run: (net, api, input) => net.computeFaceDescriptor(input) },
  landmarks: { manifest: 'face_landmark_68_model-weights_manifest.json', size: 112, key: 'landmarks',
    net: (api) => api.nets.faceLandmark68Net, run: async (net, api, input) => net.forwardInput(await api.toNetInput(input)).data() },
};
if (!packageDir || !nets[which]) throw new Error('usage: node face-api-reference.mjs <extracted face-api package dir> [recognition|landmarks]');
const spec = nets[which];

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
const manifest = JSON.parse(fs.readFileSync(dir + spec.manifest));
const shards = Buffer.concat(manifest[0].paths.map((p) => fs.readFileSync(dir + p)));
const weightMap = tf.io.decodeWeights(shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.length), manifest[0].weights);
const net = spec.net(faceapi);
net.loadFromWeightMap(weightMap);

const S = spec.size;
const pixels = new Float32Array(S * S * 3);
for (let y = 0; y < S; y++) {
  for (let x = 0; x < S; x++) {
    const i = (y * S + x) * 3;
    pixels[i] = (x * 7 + y * 3) % 256;
    pixels[i + 1] = (x * 2 + y * 5 + 40) % 256;
    pixels[i + 2] = (x * y) % 256;
  }
}
const output = await spec.run(net, faceapi, tf.tensor4d(pixels, [1, S, S, 3]));
console.log(JSON.stringify({
  package: '@vladmandic/face-api@1.7.15',
  tfjs: tf.version_core,
  backend: tf.getBackend(),
  input: `R=(7x+3y)%256, G=(2x+5y+40)%256, B=(x*y)%256, ${S}x${S}, x=column, y=row`,
  [spec.key]: Array.from(output),
}, null, 1));
