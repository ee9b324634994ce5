namespace Doppel.Vision.Embedding;

/// <summary>
/// Constants measured for dlib ResNet-29 with BlazeFace landmarks, the centred face of each image and
/// the <see cref="Alignment.AlignmentTemplate.DlibChip150"/> template, on the L2-normalised raw output.
/// dlib's vectors are not centred (different people still average ≈ 0.83 cosine), so the threshold is
/// high; subtracting a mean vector first, as an earlier version did, made a threshold less fragile in
/// appearance but lost accuracy: LFW dev test 97.8 % vs 98.4 %, all-pairs dedup F1 0.56 vs 0.76.
/// Regenerate with the explicit test <c>LfwCalibration.PrintDlibCalibration</c> (Release build).
/// </summary>
public static class DlibResNet29Calibration
{
    /// <summary>Cosine threshold most accurate on LFW pairsDevTrain with BlazeFace keypoints and the float
    /// graph (99.2 % there, the middle of the equally accurate 0.9057–0.9081). With the 2026-11-24 default
    /// (face-api landmarks, 8-bit graph) <c>eval verify</c> picks 0.9107 on pairsDevTrain; 0.907 stays
    /// within a pair or two of it on pairsDevTest (LfwVerificationTests holds ≥ 98.6 % at 0.907).</summary>
    public const float CosineThreshold = 0.907f;
}
