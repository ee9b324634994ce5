using OpenCvSharp;

namespace Doppel.Vision.Detection;

/// <summary>
/// Evens out the light of a dark or harshly lit photo for a second detection try: a gamma that
/// brings the mean luminance up to mid-grey, then CLAHE (contrast-limited adaptive histogram
/// equalisation) on the luminance only, so colours keep their hue. Used for detection alone; the
/// face is still aligned and embedded from the original pixels.
/// </summary>
public static class LightNormalizer
{
    /// <summary>Mean luminance (0–255) the gamma aims at.</summary>
    public const double TargetMean = 110;

    /// <summary>Mean of the luminance channel (BT.601 Y), 0–255.</summary>
    public static double MeanLuminance(Mat bgr)
    {
        DetectorInput.RequireBgr(bgr, nameof(LightNormalizer));
        using var grey = new Mat();
        Cv2.CvtColor(bgr, grey, ColorConversionCodes.BGR2GRAY);
        return Cv2.Mean(grey).Val0;
    }

    /// <summary>A new BGR image: luminance gamma-lifted to a mean of about <see cref="TargetMean"/>
    /// when darker, then CLAHE (clip 2, 8x8 tiles, OpenCV's usual setting) on it.</summary>
    public static Mat Normalize(Mat bgr)
    {
        DetectorInput.RequireBgr(bgr, nameof(LightNormalizer));
        using var ycrcb = new Mat();
        Cv2.CvtColor(bgr, ycrcb, ColorConversionCodes.BGR2YCrCb);
        var planes = Cv2.Split(ycrcb);
        try
        {
            var y = planes[0];
            double mean = Cv2.Mean(y).Val0;
            if (mean < TargetMean)
            {
                // (mean/255)^g = target/255 → g = ln(target/255) / ln(mean/255), g < 1 brightens.
                double g = Math.Clamp(Math.Log(TargetMean / 255) / Math.Log(Math.Max(mean, 1) / 255), 0.25, 1);
                using var lut = new Mat(1, 256, MatType.CV_8UC1);
                for (int v = 0; v < 256; v++)
                    lut.Set(0, v, (byte)Math.Clamp(Math.Round(255 * Math.Pow(v / 255.0, g)), 0, 255));
                Cv2.LUT(y, lut, y);
            }
            using (var clahe = Cv2.CreateCLAHE(2.0, new Size(8, 8)))
                clahe.Apply(y, y);
            Cv2.Merge(planes, ycrcb);
            var result = new Mat();
            Cv2.CvtColor(ycrcb, result, ColorConversionCodes.YCrCb2BGR);
            return result;
        }
        finally
        {
            foreach (var p in planes) p.Dispose();
        }
    }
}
