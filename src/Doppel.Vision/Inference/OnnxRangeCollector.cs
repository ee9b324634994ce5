using Doppel.Models.Onnx;
using Doppel.Models.Onnx.Proto;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace Doppel.Vision.Inference;

/// <summary>
/// Calibration for <see cref="OnnxQdqQuantizer"/>: runs a float model with every node output exposed
/// and records each tensor's minimum and maximum over the inputs it is shown (the MinMax rule of
/// ONNX Runtime's own quantisation tool). Graph optimisation is off so the tensors observed are the
/// ones the quantiser will see by name.
/// </summary>
public sealed class OnnxRangeCollector : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly string[] _outputNames;
    private readonly Dictionary<string, TensorRange> _ranges = new(StringComparer.Ordinal);

    public OnnxRangeCollector(ModelProto model)
    {
        var tapped = model.Clone();
        var graph = tapped.Graph;
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        _inputName = graph.Input.Select(i => i.Name).Single(n => !initializers.Contains(n));
        var existing = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var output in graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0 && !existing.Contains(o)))
            graph.Output.Add(new ValueInfoProto
            {
                Name = output,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        _outputNames = [.. graph.Output.Select(o => o.Name)];
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        _session = new InferenceSession(tapped.ToByteArray(), options);
    }

    public IReadOnlyDictionary<string, TensorRange> Ranges => _ranges;

    public int Observed { get; private set; }

    /// <summary>One input batch; <paramref name="shape"/> is the input's full shape.</summary>
    public void Observe(float[] input, long[] shape)
    {
        Update(_inputName, input);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var outputs = _session.Run(_runOptions, [_inputName], [value], _outputNames);
        for (int i = 0; i < _outputNames.Length; i++)
            if (outputs[i].GetTensorTypeAndShape().ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
                Update(_outputNames[i], outputs[i].GetTensorDataAsSpan<float>());
        Observed++;
    }

    private void Update(string name, ReadOnlySpan<float> values)
    {
        if (values.Length == 0)
            return;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (var v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        _ranges[name] = _ranges.TryGetValue(name, out var r) ? new TensorRange(MathF.Min(r.Min, min), MathF.Max(r.Max, max)) : new TensorRange(min, max);
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
