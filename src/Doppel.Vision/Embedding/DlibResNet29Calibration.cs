namespace Doppel.Vision.Embedding;

/// <summary>
/// Constants measured for dlib ResNet-29 with BlazeFace landmarks and the dlib 150 chip template.
/// Regenerate with the explicit test <c>LfwCalibration.PrintDlibCalibration</c>.
/// </summary>
public static class DlibResNet29Calibration
{
    /// <summary>Cosine threshold on centred, normalised vectors; placeholder until calibrated.</summary>
    public const float CosineThreshold = 0.5f;

    /// <summary>Mean raw output over LFW dev-train faces; placeholder until calibrated.</summary>
    public static readonly float[]? MeanVector = null;
}
