namespace Doppel.Vision.Quality;

/// <summary>The fitted <see cref="SignalQuality"/> weights (see <see cref="Fitted"/>).</summary>
public static class SignalModels
{
    /// <summary>
    /// The default assessor, fitted by <c>bench/peers/fit_quality_signals.py</c> (2026-12-07) on the 2,114
    /// pairsDevTrain images whose person has another image there: ridge regression of each image's mean
    /// cosine to its person's other images (dlib-resnet29, BlazeFace + face-api landmarks) on the
    /// standardised, ±3-clipped features, divided by the prediction's standard deviation. Sharp, well-lit
    /// (low contrast here means no harsh shadows), frontal, level and confidently detected faces score
    /// high. Face size has weight 0: every LFW face is about 40 px between the eyes, so LFW cannot say
    /// how size matters. On the unseen pairsDevTest people, rejecting the 10 % lowest cut FNMR at FMR 1e-3
    /// by 13 % (random: 0 %), docs/benchmarks.md.
    /// </summary>
    public static SignalQuality Fitted() => new(QualityRegistry.Signals,
        mean: [3.7082f, 5.2913f, 0.1412f, 3.6268f, 0.1098f, 0.0946f, 0.0831f, 0.8875f],
        scale: [0.0939f, 0.6307f, 0.1081f, 0.2469f, 0.0960f, 0.0763f, 0.0665f, 0.0455f],
        weights: [0.0000f, 0.3541f, -0.1071f, -0.6186f, -0.2003f, 0.1063f, -0.4660f, 0.4389f],
        bias: 0);
}
