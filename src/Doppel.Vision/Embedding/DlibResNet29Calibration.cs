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
    /// 2026-12-07 (face-api landmarks, 8-bit graph, each face averaged with its mirror image): 99.32 % there for
    /// 0.9154–0.9157; 99.10 % on pairsDevTest. (Without flip, 2026-11-24: 99.0 % at exactly 0.9107, 98.9 % on
    /// pairsDevTest; BlazeFace keypoints and the float graph gave 0.907.)</summary>
    public const float CosineThreshold = 0.9156f;
}
