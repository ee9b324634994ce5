namespace Doppel.Vision.Quality;

/// <summary>
/// A logistic score over <see cref="FaceSignals.Features"/>: q = σ(bias + Σ wᵢ·clip((fᵢ − meanᵢ)/scaleᵢ, ±3)).
/// The clip keeps a face far outside the fitted range from being scored by extrapolation.
/// Costs one 112x112 warp and a Laplacian per face (no network), so it can run on every face of every
/// job; a model that also reads an embedding-stability score costs what that assessor costs. <see cref="Fitted"/> holds weights fitted to recognition utility on training data;
/// <see cref="FaceSize"/> is the face-size-only baseline the evaluation compares against.
/// </summary>
public sealed class SignalQuality : IFaceQuality
{
    private readonly float[] _mean, _scale, _weights;
    private readonly float _bias;
    private readonly IFaceQuality? _stability;

    public string Name { get; }

    /// <param name="stability">When given, its score q becomes one more feature after the signals,
    /// ln(max(1 − q, 1e-4)) (the distance from perfect stability, whose tail near 1 is where faces differ),
    /// with the last mean, scale and weight; owned.</param>
    public SignalQuality(string name, IReadOnlyList<float> mean, IReadOnlyList<float> scale, IReadOnlyList<float> weights, float bias, IFaceQuality? stability = null)
    {
        int n = FaceSignals.FeatureNames.Count + (stability is null ? 0 : 1);
        if (mean.Count != n || scale.Count != n || weights.Count != n)
            throw new ArgumentException($"A signal model needs {n} means, scales and weights.");
        if (scale.Any(s => !(s > 0)))
            throw new ArgumentException("Feature scales must be positive.", nameof(scale));
        Name = name;
        _mean = mean.ToArray();
        _scale = scale.ToArray();
        _weights = weights.ToArray();
        _bias = bias;
        _stability = stability;
    }

    public float[] Assess(IReadOnlyList<QualityInput> faces)
    {
        var stable = _stability?.Assess(faces);
        var scores = new float[faces.Count];
        for (int i = 0; i < faces.Count; i++)
        {
            var features = FaceSignals.Measure(faces[i]).Features();
            scores[i] = Score(stable is null ? features : [.. features, StabilityFeature(stable[i])]);
        }
        return scores;
    }

    /// <summary>A stability score as the model reads it: ln(max(1 − q, 1e-4)).</summary>
    public static float StabilityFeature(float q) => MathF.Log(MathF.Max(1 - q, 1e-4f));

    /// <summary>The score of one face's <see cref="FaceSignals.Features"/>.</summary>
    public float Score(ReadOnlySpan<float> features)
    {
        double z = _bias;
        for (int k = 0; k < _weights.Length; k++)
            z += _weights[k] * Math.Clamp((features[k] - _mean[k]) / _scale[k], -3, 3);
        return (float)(1 / (1 + Math.Exp(-z)));
    }

    /// <summary>Face size alone (log interocular distance), centred on 40 px with a scale of one
    /// octave (so 5 to 320 px stay inside the ±3 clip): the baseline every other assessor must beat.</summary>
    public static SignalQuality FaceSize() => new(QualityRegistry.FaceSize,
        Single(MathF.Log(40), 0), Single(MathF.Log(2), 1), Single(1, 0), 0);

    private static float[] Single(float first, float rest)
    {
        var v = Enumerable.Repeat(rest, FaceSignals.FeatureNames.Count).ToArray();
        v[0] = first;
        return v;
    }

    public void Dispose() => _stability?.Dispose();
}
