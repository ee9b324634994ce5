using Doppel.Models.Conversion;

namespace Doppel.Models.Tests;

/// <summary>
/// A deliberately naive TFLite interpreter that computes in TFLite's own NHWC layout with direct
/// loops, straight from the op definitions: no transposes, no ONNX. The converter's output is
/// checked against it, so a layout, padding or weight-order mistake in the converter shows up as
/// a numeric difference. (No TFLite runtime is reachable here: no TensorFlow wheel, and OpenCV
/// 4.13's TFLite importer rejects ABS, which this model uses.) Shapes are the file's, batch
/// included.
/// </summary>
internal sealed class TfliteReferenceInterpreter(TfliteModel model)
{
    private readonly TfliteSubGraph _graph = model.SubGraphs[0];

    public float[] Run(float[] nhwcInput)
    {
        var values = new Dictionary<int, float[]> { [_graph.Inputs[0]] = nhwcInput };
        float[] Get(int index) => values.TryGetValue(index, out var v) ? v : TfliteConstants.ReadFloats(model, _graph.Tensors[index]);
        int[] Shape(int index) => [.. _graph.Tensors[index].Shape];

        foreach (var op in _graph.Operators)
        {
            var output = op.Outputs[0];
            values[output] = op.Code switch
            {
                TfliteBuiltinOperator.CONV_2D => Conv(op, Get(op.Inputs[0]), Shape(op.Inputs[0]), Get(op.Inputs[1]), Shape(op.Inputs[1]),
                    op.Inputs.Count > 2 && op.Inputs[2] >= 0 ? Get(op.Inputs[2]) : null, Shape(output)),
                TfliteBuiltinOperator.DEPTHWISE_CONV_2D => Depthwise(op, Get(op.Inputs[0]), Shape(op.Inputs[0]), Get(op.Inputs[1]), Shape(op.Inputs[1]),
                    op.Inputs.Count > 2 && op.Inputs[2] >= 0 ? Get(op.Inputs[2]) : null, Shape(output)),
                TfliteBuiltinOperator.ADD => Broadcast(op, Get(op.Inputs[0]), Shape(op.Inputs[0]), Get(op.Inputs[1]), Shape(op.Inputs[1]), Shape(output), (a, b) => a + b),
                TfliteBuiltinOperator.SUB => Broadcast(op, Get(op.Inputs[0]), Shape(op.Inputs[0]), Get(op.Inputs[1]), Shape(op.Inputs[1]), Shape(output), (a, b) => a - b),
                TfliteBuiltinOperator.MUL => Broadcast(op, Get(op.Inputs[0]), Shape(op.Inputs[0]), Get(op.Inputs[1]), Shape(op.Inputs[1]), Shape(output), (a, b) => a * b),
                TfliteBuiltinOperator.DIV => Broadcast(op, Get(op.Inputs[0]), Shape(op.Inputs[0]), Get(op.Inputs[1]), Shape(op.Inputs[1]), Shape(output), (a, b) => a / b),
                TfliteBuiltinOperator.RELU => [.. Get(op.Inputs[0]).Select(v => Math.Max(v, 0f))],
                TfliteBuiltinOperator.RELU6 => [.. Get(op.Inputs[0]).Select(v => Math.Clamp(v, 0f, 6f))],
                TfliteBuiltinOperator.RELU_N1_TO_1 => [.. Get(op.Inputs[0]).Select(v => Math.Clamp(v, -1f, 1f))],
                TfliteBuiltinOperator.TANH => [.. Get(op.Inputs[0]).Select(MathF.Tanh)],
                TfliteBuiltinOperator.LOGISTIC => [.. Get(op.Inputs[0]).Select(v => 1f / (1f + MathF.Exp(-v)))],
                TfliteBuiltinOperator.ABS => [.. Get(op.Inputs[0]).Select(Math.Abs)],
                TfliteBuiltinOperator.RESHAPE => (float[])Get(op.Inputs[0]).Clone(),
                TfliteBuiltinOperator.DEQUANTIZE => Get(op.Inputs[0]),
                _ => throw new NotSupportedException($"The reference interpreter has no {op.Code}."),
            };
        }
        return values[_graph.Outputs[0]];
    }

    private static float Activate(TfliteActivation activation, float v) => activation switch
    {
        TfliteActivation.None => v,
        TfliteActivation.Relu => Math.Max(v, 0f),
        TfliteActivation.Relu6 => Math.Clamp(v, 0f, 6f),
        TfliteActivation.ReluN1To1 => Math.Clamp(v, -1f, 1f),
        TfliteActivation.Tanh => MathF.Tanh(v),
        _ => throw new NotSupportedException(activation.ToString()),
    };

    /// <summary>TF SAME: output = ceil(in / stride), padding split with the extra pixel after.</summary>
    private static int PadBefore(TflitePadding padding, int input, int output, int kernel, int stride, int dilation) =>
        padding == TflitePadding.Valid ? 0 : Math.Max(0, (output - 1) * stride + (kernel - 1) * dilation + 1 - input) / 2;

    private static float[] Conv(TfliteOperator op, float[] x, int[] xs, float[] w, int[] ws, float[]? bias, int[] ys)
    {
        var o = (TfliteConv2DOptions)op.Options!;
        int n = xs[0], h = xs[1], wd = xs[2], c = xs[3];
        int outC = ws[0], kh = ws[1], kw = ws[2];
        int oh = ys[1], ow = ys[2];
        var top = PadBefore(o.Padding, h, oh, kh, o.StrideH, o.DilationH);
        var left = PadBefore(o.Padding, wd, ow, kw, o.StrideW, o.DilationW);
        var y = new float[n * oh * ow * outC];
        for (var b = 0; b < n; b++)
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                    for (var oc = 0; oc < outC; oc++)
                    {
                        var sum = bias?[oc] ?? 0f;
                        for (var ky = 0; ky < kh; ky++)
                        {
                            var iy = oy * o.StrideH - top + ky * o.DilationH;
                            if (iy < 0 || iy >= h) continue;
                            for (var kx = 0; kx < kw; kx++)
                            {
                                var ix = ox * o.StrideW - left + kx * o.DilationW;
                                if (ix < 0 || ix >= wd) continue;
                                var xBase = ((b * h + iy) * wd + ix) * c;
                                var wBase = ((oc * kh + ky) * kw + kx) * c;
                                for (var ic = 0; ic < c; ic++)
                                    sum += x[xBase + ic] * w[wBase + ic];
                            }
                        }
                        y[((b * oh + oy) * ow + ox) * outC + oc] = Activate(o.Activation, sum);
                    }
        return y;
    }

    private static float[] Depthwise(TfliteOperator op, float[] x, int[] xs, float[] w, int[] ws, float[]? bias, int[] ys)
    {
        var o = (TfliteDepthwiseConv2DOptions)op.Options!;
        int n = xs[0], h = xs[1], wd = xs[2], c = xs[3];
        int kh = ws[1], kw = ws[2], outC = ws[3];
        var multiplier = outC / c;
        int oh = ys[1], ow = ys[2];
        var top = PadBefore(o.Padding, h, oh, kh, o.StrideH, o.DilationH);
        var left = PadBefore(o.Padding, wd, ow, kw, o.StrideW, o.DilationW);
        var y = new float[n * oh * ow * outC];
        for (var b = 0; b < n; b++)
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                    for (var oc = 0; oc < outC; oc++)
                    {
                        var ic = oc / multiplier;
                        var sum = bias?[oc] ?? 0f;
                        for (var ky = 0; ky < kh; ky++)
                        {
                            var iy = oy * o.StrideH - top + ky * o.DilationH;
                            if (iy < 0 || iy >= h) continue;
                            for (var kx = 0; kx < kw; kx++)
                            {
                                var ix = ox * o.StrideW - left + kx * o.DilationW;
                                if (ix < 0 || ix >= wd) continue;
                                sum += x[((b * h + iy) * wd + ix) * c + ic] * w[(ky * kw + kx) * outC + oc];
                            }
                        }
                        y[((b * oh + oy) * ow + ox) * outC + oc] = Activate(o.Activation, sum);
                    }
        return y;
    }

    /// <summary>NumPy-style broadcasting: shapes aligned at the right, size-1 axes repeat.</summary>
    private static float[] Broadcast(TfliteOperator op, float[] a, int[] aShape, float[] b, int[] bShape, int[] outShape, Func<float, float, float> f)
    {
        var activation = op.Options is TfliteActivationOptions o ? o.Activation : TfliteActivation.None;
        var rank = outShape.Length;
        int[] Strides(int[] shape)
        {
            var strides = new int[rank];
            var stride = 1;
            for (var d = rank - 1; d >= 0; d--)
            {
                var i = d - (rank - shape.Length);
                var size = i >= 0 ? shape[i] : 1;
                strides[d] = size == 1 ? 0 : stride;
                stride *= size;
            }
            return strides;
        }
        var sa = Strides(aShape);
        var sb = Strides(bShape);
        var total = outShape.Aggregate(1, (p, d) => p * d);
        var y = new float[total];
        var index = new int[rank];
        for (var k = 0; k < total; k++)
        {
            int ia = 0, ib = 0;
            for (var d = 0; d < rank; d++)
            {
                ia += index[d] * sa[d];
                ib += index[d] * sb[d];
            }
            y[k] = Activate(activation, f(a[ia], b[ib]));
            for (var d = rank - 1; d >= 0 && ++index[d] == outShape[d]; d--)
                index[d] = 0;
        }
        return y;
    }
}
