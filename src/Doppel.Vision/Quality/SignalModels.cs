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

    /// <summary>
    /// <see cref="Fitted"/>'s signals plus dlib's flip stability (<see cref="FlipStabilityQuality"/>, as
    /// ln(1 − q)), fitted the same way by <c>bench/peers/quality_study.py</c> (2026-12-07) on the pairsDevTrain
    /// people only, label: each image's mean cosine to its person's other images. One extra dlib run per face.
    /// Rejecting 10 % cut FNMR at FMR 1e-3 by 13 % on the unseen pairsDevTest people (as <see cref="Fitted"/>),
    /// 25 % on pairsDevTrain's people when fitted on pairsDevTest's (<see cref="Fitted"/>: 13 %), ORL 70 % (72 %),
    /// Yale 13 % (3 %): docs/benchmarks.md. Flip stability takes over most of what yaw said, so yaw's own weight
    /// turns slightly positive here. Face size: weight 0, as in <see cref="Fitted"/>.
    /// </summary>
    public static SignalQuality FittedWithFlip(Doppel.Vision.Embedding.OnnxFaceEmbedder recogniser) => new(QualityRegistry.SignalsFlip,
        mean: [3.7082f, 5.2913f, 0.1412f, 3.6268f, 0.1100f, 0.0946f, 0.0832f, 0.8876f, -3.1138f],
        scale: [0.0939f, 0.6305f, 0.1080f, 0.2469f, 0.0965f, 0.0763f, 0.0664f, 0.0454f, 0.3518f],
        weights: [0.0000f, 0.2251f, -0.0648f, -0.2398f, 0.2228f, 0.0801f, -0.2034f, 0.1462f, -0.9057f],
        bias: 0,
        stability: new FlipStabilityQuality(recogniser, ownsRecogniser: false));
}
