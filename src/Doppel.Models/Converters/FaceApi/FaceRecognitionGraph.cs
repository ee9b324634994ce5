using Doppel.Models.Onnx;
using Doppel.Models.Onnx.Proto;

namespace Doppel.Models.Converters.FaceApi;

/// <summary>
/// Builds face-api's FaceRecognitionNet (dlib ResNet-29) as an ONNX graph, following the
/// package's <c>src/faceRecognitionNet/</c> step by step: input N x 3 x 150 x 150 already
/// normalised ((RGB − mean) / 255), output the raw 128-d descriptor. Spatial sizes are fixed by
/// the 150x150 input and tracked here, because face-api decides padding from them.
/// </summary>
public sealed class FaceRecognitionGraph
{
    public const string InputName = "input";
    public const string OutputName = "embedding";
    public const int InputSize = 150;
    public const int EmbeddingSize = 128;

    private readonly TfjsWeightTaker _weights;
    private readonly OnnxGraphBuilder _graph = new OnnxGraphBuilder("face_api_face_recognition_net").Producer("doppel face-api converter");

    private FaceRecognitionGraph(IReadOnlyDictionary<string, TfjsTensor> weights) => _weights = new TfjsWeightTaker(weights, "face-api weights");

    /// <summary>The model for face-api weights; every tensor in them must be used exactly as face-api uses it.</summary>
    public static ModelProto Build(IReadOnlyDictionary<string, TfjsTensor> weights) => new FaceRecognitionGraph(weights).Build();

    /// <summary>A value in the graph with its (static) channel count and square spatial size.</summary>
    private readonly record struct Feature(string Name, int Channels, int Size);

    private ModelProto Build()
    {
        _graph.AddInput(InputName, "N", 3, InputSize, InputSize);
        var x = new Feature(InputName, 3, InputSize);

        // FaceRecognitionNet.forwardInput
        x = ConvLayer(x, "conv32_down", stride: 2, relu: true);
        x = new Feature(_graph.Op("MaxPool", [x.Name],
            OnnxAttribute.Ints("kernel_shape", 3, 3), OnnxAttribute.Ints("strides", 2, 2), OnnxAttribute.Ints("pads", 0, 0, 0, 0)),
            x.Channels, ValidOutput(x.Size, 3, 2));

        x = Residual(x, "conv32_1");
        x = Residual(x, "conv32_2");
        x = Residual(x, "conv32_3");

        x = ResidualDown(x, "conv64_down");
        x = Residual(x, "conv64_1");
        x = Residual(x, "conv64_2");
        x = Residual(x, "conv64_3");

        x = ResidualDown(x, "conv128_down");
        x = Residual(x, "conv128_1");
        x = Residual(x, "conv128_2");

        x = ResidualDown(x, "conv256_down");
        x = Residual(x, "conv256_1");
        x = Residual(x, "conv256_2");
        x = ResidualDown(x, "conv256_down_out");

        // out.mean([1, 2]) over NHWC's H and W = ONNX axes 2, 3; opset 17 takes axes as an attribute.
        var pooled = _graph.Op("ReduceMean", [x.Name], OnnxAttribute.Ints("axes", 2, 3), OnnxAttribute.Int("keepdims", 0));
        var fc = Take("fc");
        if (fc.Shape is not [var fcIn, EmbeddingSize] || fcIn != x.Channels)
            throw new InvalidDataException($"fc has shape [{string.Join(",", fc.Shape)}], expected [{x.Channels},{EmbeddingSize}].");
        var fcWeights = _graph.AddInitializer("fc", fc.Values, fc.Shape[0], fc.Shape[1]);
        _graph.Op("MatMul", OutputName, [pooled, fcWeights]);
        _graph.AddOutput(OutputName, "N", EmbeddingSize);

        _weights.RequireAllUsed();
        return _graph.Build();
    }

    /// <summary>residual(): relu(convNoRelu(conv(x)) + x).</summary>
    private Feature Residual(Feature x, string prefix)
    {
        var y = ConvLayer(x, $"{prefix}/conv1", stride: 1, relu: true);
        y = ConvLayer(y, $"{prefix}/conv2", stride: 1, relu: false);
        if (y.Channels != x.Channels || y.Size != x.Size)
            throw new InvalidDataException($"{prefix}: residual branch is {y.Channels}x{y.Size}² but the input is {x.Channels}x{x.Size}².");
        var sum = _graph.Op("Add", [y.Name, x.Name]);
        return x with { Name = _graph.Op("Relu", [sum]) };
    }

    /// <summary>
    /// residualDown(): the branch is convDown (3x3/2 VALID) then convNoRelu; the shortcut is a
    /// 2x2/2 VALID average pool. Where the branch came out one smaller, face-api appends a zero
    /// row and column (bottom, right); where channels doubled, it appends zero channels.
    /// </summary>
    private Feature ResidualDown(Feature x, string prefix)
    {
        var branch = ConvLayer(x, $"{prefix}/conv1", stride: 2, relu: true);
        branch = ConvLayer(branch, $"{prefix}/conv2", stride: 1, relu: false);

        var pooledSize = ValidOutput(x.Size, 2, 2);
        var pooled = _graph.Op("AveragePool", [x.Name],
            OnnxAttribute.Ints("kernel_shape", 2, 2), OnnxAttribute.Ints("strides", 2, 2), OnnxAttribute.Ints("pads", 0, 0, 0, 0));

        var branchName = branch.Name;
        if (branch.Size != pooledSize)
        {
            if (branch.Size + 1 != pooledSize)
                throw new InvalidDataException($"{prefix}: branch {branch.Size}² vs shortcut {pooledSize}²; face-api only pads by one.");
            // NCHW pads: [n, c, h, w begins, n, c, h, w ends]
            var pads = _graph.AddInt64Initializer($"{prefix}/pad_hw", [0, 0, 0, 0, 0, 0, 1, 1], 8);
            branchName = _graph.Op("Pad", [branchName, pads]);
        }

        var shortcut = pooled;
        if (x.Channels != branch.Channels)
        {
            if (branch.Channels != 2 * x.Channels)
                throw new InvalidDataException($"{prefix}: {x.Channels} -> {branch.Channels} channels; face-api only doubles them with zeros.");
            var pads = _graph.AddInt64Initializer($"{prefix}/pad_channels", [0, 0, 0, 0, 0, x.Channels, 0, 0], 8);
            shortcut = _graph.Op("Pad", [pooled, pads]);
        }

        var sum = _graph.Op("Add", [shortcut, branchName]);
        return new Feature(_graph.Op("Relu", [sum]), branch.Channels, pooledSize);
    }

    /// <summary>
    /// convLayer(): relu?((conv(x, W) + b) · s + t). The scale folds into the convolution:
    /// W'[o] = W[o] · s[o], b'[o] = b[o] · s[o] + t[o]. Stride 2 is VALID; stride 1 is SAME,
    /// which for a 3x3 kernel is one pixel on every side.
    /// </summary>
    private Feature ConvLayer(Feature x, string prefix, int stride, bool relu)
    {
        var filters = Take($"{prefix}/conv/filters");
        var bias = Take($"{prefix}/conv/bias");
        var scale = Take($"{prefix}/scale/weights");
        var shift = Take($"{prefix}/scale/biases");
        if (filters.Shape is not [var kh, var kw, var inChannels, var outChannels] || kh != kw)
            throw new InvalidDataException($"{prefix}/conv/filters has shape [{string.Join(",", filters.Shape)}], expected [k,k,in,out].");
        if (inChannels != x.Channels)
            throw new InvalidDataException($"{prefix}: filters expect {inChannels} input channels, the graph has {x.Channels}.");
        foreach (var vector in new[] { bias, scale, shift })
            if (vector.Count != outChannels)
                throw new InvalidDataException($"{vector.Name} has {vector.Count} values, expected {outChannels}.");

        // TF.js [kh, kw, in, out] -> ONNX [out, in, kh, kw], scaled per output channel.
        var weights = new float[outChannels * inChannels * kh * kw];
        for (var r = 0; r < kh; r++)
            for (var c = 0; c < kw; c++)
                for (var i = 0; i < inChannels; i++)
                    for (var o = 0; o < outChannels; o++)
                    {
                        var tf = ((r * kw + c) * inChannels + i) * outChannels + o;
                        weights[((o * inChannels + i) * kh + r) * kw + c] = (float)((double)filters.Values[tf] * scale.Values[o]);
                    }
        var folded = new float[outChannels];
        for (var o = 0; o < outChannels; o++)
            folded[o] = (float)((double)bias.Values[o] * scale.Values[o] + shift.Values[o]);

        int pad, size;
        if (stride == 1)
        {
            if (kh % 2 == 0)
                throw new InvalidDataException($"{prefix}: SAME padding with an even kernel is asymmetric; face-api's net has none.");
            pad = kh / 2;
            size = x.Size;
        }
        else
        {
            pad = 0;
            size = ValidOutput(x.Size, kh, stride);
        }

        var w = _graph.AddInitializer($"{prefix}/W", weights, outChannels, inChannels, kh, kw);
        var b = _graph.AddInitializer($"{prefix}/B", folded, outChannels);
        var conv = _graph.Op("Conv", [x.Name, w, b],
            OnnxAttribute.Ints("kernel_shape", kh, kw), OnnxAttribute.Ints("strides", stride, stride),
            OnnxAttribute.Ints("pads", pad, pad, pad, pad), OnnxAttribute.Ints("dilations", 1, 1), OnnxAttribute.Int("group", 1));
        return new Feature(relu ? _graph.Op("Relu", [conv]) : conv, outChannels, size);
    }

    private TfjsTensor Take(string name) => _weights.Take(name);

    /// <summary>TF VALID output size: floor((n − k) / s) + 1.</summary>
    private static int ValidOutput(int size, int kernel, int stride) => (size - kernel) / stride + 1;
}
