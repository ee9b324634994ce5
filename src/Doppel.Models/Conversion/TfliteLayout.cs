namespace Doppel.Models.Conversion;

/// <summary>The layout arithmetic shared by the TFLite converter: TF padding and axis permutes.</summary>
public static class TfliteLayout
{
    /// <summary>TF padding: VALID adds none; SAME makes output = ceil(input / stride) and puts the
    /// odd extra pixel at the end (bottom/right), which ONNX's symmetric auto_pad cannot express.</summary>
    public static (long Begin, long End) Pads(TflitePadding padding, int inputSize, int kernel, int stride, int dilation)
    {
        if (padding == TflitePadding.Valid)
            return (0, 0);
        if (padding != TflitePadding.Same)
            throw new InvalidDataException($"Unknown TFLite padding {padding}.");
        var output = (inputSize + stride - 1) / stride;
        var effectiveKernel = (kernel - 1) * dilation + 1;
        var total = Math.Max(0, (output - 1) * stride + effectiveKernel - inputSize);
        return (total / 2, total - total / 2);
    }

    /// <summary>Reorders a row-major 4-D array: output axis j is input axis <paramref name="perm"/>[j].</summary>
    public static float[] Permute4(float[] source, IReadOnlyList<int> dims, int[] perm)
    {
        if (dims.Count != 4 || source.Length != dims[0] * dims[1] * dims[2] * dims[3])
            throw new ArgumentException($"Expected a 4-D array matching [{string.Join(",", dims)}], got {source.Length} values.");
        int[] strides = [dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1];
        int[] outDims = [dims[perm[0]], dims[perm[1]], dims[perm[2]], dims[perm[3]]];
        var result = new float[source.Length];
        var k = 0;
        for (var a = 0; a < outDims[0]; a++)
            for (var b = 0; b < outDims[1]; b++)
                for (var c = 0; c < outDims[2]; c++)
                    for (var d = 0; d < outDims[3]; d++)
                        result[k++] = source[a * strides[perm[0]] + b * strides[perm[1]] + c * strides[perm[2]] + d * strides[perm[3]]];
        return result;
    }
}
