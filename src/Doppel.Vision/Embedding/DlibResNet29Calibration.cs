namespace Doppel.Vision.Embedding;

/// <summary>
/// Constants measured for dlib ResNet-29 with BlazeFace landmarks and the dlib 150 chip template
/// (<see cref="Alignment.AlignmentTemplate.DlibChip150"/>). dlib vectors all point roughly the same way
/// (cosine between different people ≈ 0.83), so the mean raw vector is subtracted before normalising;
/// after that, different people average near 0 and a cosine threshold separates them.
/// Regenerate with the explicit test <c>LfwCalibration.PrintDlibCalibration</c> (Release build):
/// <c>tests/Doppel.Vision.Tests/bin/Release/net10.0/Doppel.Vision.Tests -method "*PrintDlibCalibration*" -explicit only -showLiveOutput</c>.
/// </summary>
public static class DlibResNet29Calibration
{
    /// <summary>Cosine threshold on centred, normalised vectors that is most accurate on LFW
    /// pairsDevTrain (97.9 % there; 97.2 % on pairsDevTest at this threshold).</summary>
    public const float CosineThreshold = 0.3776f;

    /// <summary>Mean raw output over the 3,442 faces found in the 3,443 images of LFW pairsDevTrain.</summary>
    public static readonly float[] MeanVector =
    [
        -0.098079f, 0.087056f, 0.051137f, -0.046628f, -0.098781f, -0.020755f, -0.017638f, -0.099328f,
        0.143245f, -0.065372f, 0.198503f, -0.032321f, -0.248421f, -0.039584f, -0.028899f, 0.124257f,
        -0.154288f, -0.120260f, -0.126742f, -0.086154f, 0.011977f, 0.038040f, 0.024775f, 0.020794f,
        -0.133204f, -0.292989f, -0.069380f, -0.087558f, 0.053505f, -0.092892f, 0.006644f, 0.047505f,
        -0.181848f, -0.062650f, 0.029778f, 0.069925f, -0.054207f, -0.068280f, 0.200354f, 0.008218f,
        -0.165178f, 0.012253f, 0.046266f, 0.247144f, 0.200850f, 0.015953f, 0.020687f, -0.077349f,
        0.113666f, -0.263405f, 0.047615f, 0.151536f, 0.111909f, 0.081852f, 0.077878f, -0.146726f,
        0.023618f, 0.136819f, -0.182344f, 0.065522f, 0.066571f, -0.089250f, -0.035327f, -0.045204f,
        0.172889f, 0.088557f, -0.101341f, -0.139075f, 0.168409f, -0.140864f, -0.049256f, 0.082854f,
        -0.090892f, -0.163738f, -0.266472f, 0.039730f, 0.386177f, 0.129236f, -0.170882f, 0.015981f,
        -0.080706f, -0.022754f, 0.033707f, 0.035883f, -0.079439f, -0.043914f, -0.090746f, 0.021455f,
        0.196126f, -0.025445f, -0.019821f, 0.213539f, 0.013060f, -0.004681f, 0.038256f, 0.051699f,
        -0.115797f, -0.013193f, -0.106293f, -0.015541f, 0.046833f, -0.102667f, 0.012472f, 0.090013f,
        -0.169564f, 0.166861f, -0.019560f, -0.022488f, -0.012604f, -0.025357f, -0.077005f, -0.000519f,
        0.172730f, -0.253696f, 0.212412f, 0.172874f, 0.005090f, 0.135946f, 0.064248f, 0.062997f,
        -0.006898f, -0.008506f, -0.133351f, -0.104711f, 0.031262f, -0.030451f, 0.029331f, 0.037545f,
    ];
}
