using Doppel.Models.Onnx;
using Doppel.Models.Onnx.Proto;

namespace Doppel.Models.Converters.FaceApi;

/// <summary>
/// Builds face-api's FaceLandmark68Net as an ONNX graph, following the package's
/// <c>src/faceLandmarkNet/</c>: four dense blocks (each halves the size and holds four
/// convolutions whose outputs are summed densely), a 7x7 average pool and a fully connected layer.
/// Input N x 3 x 112 x 112 already normalised ((RGB − mean) / 255, the face padded to a centred
/// square first); output N x 136: 68 (x, y) pairs as fractions of that square, iBUG 300-W order.
/// </summary>
public sealed class FaceLandmark68Graph
{
    public const string InputName = "input";
    public const string OutputName = "landmarks";
    public const int InputSize = 112;
    public const int OutputSize = 136;

    private readonly TfjsWeightTaker _weights;
    private readonly OnnxGraphBuilder _graph = new OnnxGraphBuilder("face_api_face_landmark_68_net").Producer("doppel face-api converter");

    private FaceLandmark68Graph(IReadOnlyDictionary<string, TfjsTensor> weights) => _weights = new TfjsWeightTaker(weights, "face-api landmark weights");

    /// <summary>The model for face-api's landmark weights; every tensor must be used exactly once.</summary>
    public static ModelProto Build(IReadOnlyDictionary<string, TfjsTensor> weights) => new FaceLandmark68Graph(weights).Build();

    private readonly record struct Feature(string Name, int Channels, int Size);

    private ModelProto Build()
    {
        _graph.AddInput(InputName, "N", 3, InputSize, InputSize);
        var x = new Feature(InputName, 3, InputSize);

        // FaceLandmark68Net.runNet
        x = DenseBlock(x, "dense0", isFirstLayer: true);
        x = DenseBlock(x, "dense1", isFirstLayer: false);
        x = DenseBlock(x, "dense2", isFirstLayer: false);
        x = DenseBlock(x, "dense3", isFirstLayer: false);
        if (x.Size != 7)
            throw new InvalidDataException($"face-api's 7x7 average pool expects a 7x7 map, the graph has {x.Size}x{x.Size}.");
        // avgPool([7, 7], [2, 2], 'valid') on a 7x7 map is the global mean.
        var pooled = _graph.Op("GlobalAveragePool", [x.Name]);
        var flat = _graph.Op("Flatten", [pooled], OnnxAttribute.Int("axis", 1));

        var fcWeights = Take("fc/weights");
        var fcBias = Take("fc/bias");
        if (fcWeights.Shape is not [var fcIn, OutputSize] || fcIn != x.Channels || fcBias.Count != OutputSize)
            throw new InvalidDataException($"fc has shape [{string.Join(",", fcWeights.Shape)}], expected [{x.Channels},{OutputSize}].");
        var w = _graph.AddInitializer("fc/W", fcWeights.Values, fcWeights.Shape[0], fcWeights.Shape[1]);
        var b = _graph.AddInitializer("fc/B", fcBias.Values, OutputSize);
        var product = _graph.Op("MatMul", [flat, w]);
        _graph.Op("Add", OutputName, [product, b]);
        _graph.AddOutput(OutputName, "N", OutputSize);

        _weights.RequireAllUsed();
        return _graph.Build();
    }

    /// <summary>
    /// denseBlock4(): out1 = relu(conv0(x)) with stride 2 (a plain conv in the first block, a
    /// separable one after); out2 = sep(out1); out3 = sep(relu(out1 + out2));
    /// out4 = sep(relu(out1 + out2 + out3)); result relu(out1 + out2 + out3 + out4).
    /// </summary>
    private Feature DenseBlock(Feature x, string prefix, bool isFirstLayer)
    {
        var out1 = isFirstLayer ? Conv(x, $"{prefix}/conv0", stride: 2) : SeparableConv(x, $"{prefix}/conv0", stride: 2);
        out1 = out1 with { Name = _graph.Op("Relu", [out1.Name]) };
        var out2 = SeparableConv(out1, $"{prefix}/conv1", stride: 1);
        var sum12 = _graph.Op("Add", [out1.Name, out2.Name]);
        var out3 = SeparableConv(out1 with { Name = _graph.Op("Relu", [sum12]) }, $"{prefix}/conv2", stride: 1);
        var sum123 = _graph.Op("Add", [sum12, out3.Name]);
        var out4 = SeparableConv(out1 with { Name = _graph.Op("Relu", [sum123]) }, $"{prefix}/conv3", stride: 1);
        var sum1234 = _graph.Op("Add", [sum123, out4.Name]);
        return out1 with { Name = _graph.Op("Relu", [sum1234]) };
    }

    /// <summary>tf.conv2d(x, filters, stride, 'same') + bias.</summary>
    private Feature Conv(Feature x, string prefix, int stride)
    {
        var filters = Take($"{prefix}/filters");
        var bias = Take($"{prefix}/bias");
        if (filters.Shape is not [3, 3, var inChannels, var outChannels] || inChannels != x.Channels || bias.Count != outChannels)
            throw new InvalidDataException($"{prefix}/filters has shape [{string.Join(",", filters.Shape)}], expected [3,3,{x.Channels},out].");
        var w = _graph.AddInitializer($"{prefix}/W", ToOnnxFilters(filters.Values, 3, inChannels, outChannels), outChannels, inChannels, 3, 3);
        var b = _graph.AddInitializer($"{prefix}/B", bias.Values, outChannels);
        var (pads, size) = Same(x.Size, stride);
        var conv = _graph.Op("Conv", [x.Name, w, b],
            OnnxAttribute.Ints("kernel_shape", 3, 3), OnnxAttribute.Ints("strides", stride, stride),
            OnnxAttribute.Ints("pads", pads), OnnxAttribute.Int("group", 1));
        return new Feature(conv, outChannels, size);
    }

    /// <summary>tf.separableConv2d(x, depthwise, pointwise, stride, 'same') + bias: a 3x3 depthwise
    /// convolution (one filter per channel) then a 1x1 convolution carrying the bias.</summary>
    private Feature SeparableConv(Feature x, string prefix, int stride)
    {
        var depthwise = Take($"{prefix}/depthwise_filter");
        var pointwise = Take($"{prefix}/pointwise_filter");
        var bias = Take($"{prefix}/bias");
        if (depthwise.Shape is not [3, 3, var channels, 1] || channels != x.Channels)
            throw new InvalidDataException($"{prefix}/depthwise_filter has shape [{string.Join(",", depthwise.Shape)}], expected [3,3,{x.Channels},1].");
        if (pointwise.Shape is not [1, 1, var inChannels, var outChannels] || inChannels != channels || bias.Count != outChannels)
            throw new InvalidDataException($"{prefix}/pointwise_filter has shape [{string.Join(",", pointwise.Shape)}], expected [1,1,{channels},out].");

        // Depthwise [3, 3, C, 1] -> ONNX grouped conv weights [C, 1, 3, 3].
        var dw = _graph.AddInitializer($"{prefix}/DW", ToOnnxFilters(depthwise.Values, 3, channels, 1, depthwise: true), channels, 1, 3, 3);
        var (pads, size) = Same(x.Size, stride);
        var spatial = _graph.Op("Conv", [x.Name, dw],
            OnnxAttribute.Ints("kernel_shape", 3, 3), OnnxAttribute.Ints("strides", stride, stride),
            OnnxAttribute.Ints("pads", pads), OnnxAttribute.Int("group", channels));
        var pw = _graph.AddInitializer($"{prefix}/PW", ToOnnxFilters(pointwise.Values, 1, inChannels, outChannels), outChannels, inChannels, 1, 1);
        var b = _graph.AddInitializer($"{prefix}/B", bias.Values, outChannels);
        var mixed = _graph.Op("Conv", [spatial, pw, b], OnnxAttribute.Ints("kernel_shape", 1, 1), OnnxAttribute.Int("group", 1));
        return new Feature(mixed, outChannels, size);
    }

    /// <summary>TF.js [k, k, in, out] (or depthwise [k, k, C, 1]) -> ONNX [out, in, k, k] (or [C, 1, k, k]).</summary>
    private static float[] ToOnnxFilters(float[] values, int k, int inChannels, int outChannels, bool depthwise = false)
    {
        var result = new float[values.Length];
        for (var r = 0; r < k; r++)
            for (var c = 0; c < k; c++)
                for (var i = 0; i < inChannels; i++)
                    for (var o = 0; o < outChannels; o++)
                    {
                        var tf = ((r * k + c) * inChannels + i) * outChannels + o;
                        var onnx = depthwise ? (i * k + r) * k + c : ((o * inChannels + i) * k + r) * k + c;
                        result[onnx] = values[tf];
                    }
        return result;
    }

    /// <summary>
    /// TF 'same' padding for a 3x3 kernel: output ceil(n / s); the total padding is split with
    /// the odd pixel at the end (bottom/right), which ONNX's symmetric auto_pad would not do.
    /// </summary>
    private static (long[] Pads, int Size) Same(int size, int stride)
    {
        var output = (size + stride - 1) / stride;
        var total = Math.Max((output - 1) * stride + 3 - size, 0);
        var begin = total / 2;
        var end = total - begin;
        return ([begin, begin, end, end], output);
    }

    private TfjsTensor Take(string name) => _weights.Take(name);
}
