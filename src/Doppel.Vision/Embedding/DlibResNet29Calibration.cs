namespace Doppel.Vision.Embedding;

/// <summary>
/// Constants measured for dlib ResNet-29 in the default pipeline, the centred face of each image, on
/// the L2-normalised raw output.
/// dlib's vectors are not centred (different people still average ≈ 0.83 cosine), so the threshold is
/// high; subtracting a mean vector first, as an earlier version did, made a threshold less fragile in
/// appearance but lost accuracy: LFW dev test 97.8 % vs 98.4 %, all-pairs dedup F1 0.56 vs 0.76.
/// Regenerate with the explicit test <c>LfwCalibration.PrintDlibCalibration</c> (Release build).
/// </summary>
public static class DlibResNet29Calibration
{
    /// <summary>Cosine threshold most accurate on LFW pairsDevTrain with the default pipeline of
    /// 2026-11-24 (face-api landmarks, 8-bit graph): 99.0 % there, at exactly 0.9107 (no wider plateau);
    /// 98.9 % on pairsDevTest. (BlazeFace keypoints and the float graph gave 0.907, the middle of 0.9057–0.9081.)</summary>
    public const float CosineThreshold = 0.9107f;
}
