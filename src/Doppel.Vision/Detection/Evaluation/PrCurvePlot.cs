using OpenCvSharp;

namespace Doppel.Vision.Detection.Evaluation;

/// <summary>
/// A plain precision–recall chart (one line per difficulty, AP in the legend) drawn with OpenCV,
/// written as PNG. Deliberately minimal until a shared chart library exists.
/// </summary>
public static class PrCurvePlot
{
    private const int Width = 720, Height = 560, Left = 70, Right = 20, Top = 50, Bottom = 60;

    private static readonly Scalar[] Colours = [new(60, 160, 40), new(0, 140, 255), new(40, 40, 220)];

    public static void Write(string pngPath, string title, IReadOnlyList<DetectionApResult> results)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        using var canvas = new Mat(Height, Width, MatType.CV_8UC3, Scalar.All(255));
        int plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        Point ToPixel(double recall, double precision) =>
            new(Left + (int)Math.Round(recall * plotW), Top + (int)Math.Round((1 - precision) * plotH));

        for (int i = 0; i <= 10; i++)
        {
            double v = i / 10.0;
            var gridColour = new Scalar(225, 225, 225);
            Cv2.Line(canvas, ToPixel(v, 0), ToPixel(v, 1), gridColour);
            Cv2.Line(canvas, ToPixel(0, v), ToPixel(1, v), gridColour);
            Cv2.PutText(canvas, v.ToString("0.0"), ToPixel(v, 0) + new Point(-12, 20), HersheyFonts.HersheySimplex, 0.4, Scalar.Black);
            Cv2.PutText(canvas, v.ToString("0.0"), ToPixel(0, v) + new Point(-32, 4), HersheyFonts.HersheySimplex, 0.4, Scalar.Black);
        }
        Cv2.Rectangle(canvas, ToPixel(0, 1), ToPixel(1, 0), Scalar.Black);
        Cv2.PutText(canvas, "recall", new Point(Left + plotW / 2 - 25, Height - 15), HersheyFonts.HersheySimplex, 0.55, Scalar.Black);
        Cv2.PutText(canvas, "precision", new Point(5, Top - 8), HersheyFonts.HersheySimplex, 0.55, Scalar.Black);
        Cv2.PutText(canvas, title, new Point(Left + 70, 24), HersheyFonts.HersheySimplex, 0.65, Scalar.Black, 1, LineTypes.AntiAlias);

        for (int r = 0; r < results.Count; r++)
        {
            var colour = Colours[r % Colours.Length];
            // Only points where something was detected: the leading (0, 0) samples are no curve.
            var points = results[r].Curve.Where(p => p.Recall > 0).Select(p => ToPixel(p.Recall, p.Precision)).ToArray();
            if (points.Length > 1)
                Cv2.Polylines(canvas, [points], isClosed: false, colour, 2, LineTypes.AntiAlias);
            // Bottom-left: the curves of a useful detector run along the top and down the right.
            var legendAt = new Point(Left + 20, Top + plotH - 80 + 24 * r);
            Cv2.Line(canvas, legendAt, legendAt + new Point(30, 0), colour, 3);
            Cv2.PutText(canvas, $"{results[r].Difficulty.ToString().ToLowerInvariant()}  AP {results[r].AveragePrecision:0.000}",
                legendAt + new Point(40, 5), HersheyFonts.HersheySimplex, 0.55, Scalar.Black, 1, LineTypes.AntiAlias);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(pngPath));
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        if (!Cv2.ImWrite(pngPath, canvas))
            throw new IOException($"Could not write the PR plot to {pngPath}.");
    }
}
