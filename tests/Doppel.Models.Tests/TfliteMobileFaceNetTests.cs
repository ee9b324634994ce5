using Doppel.Models.Conversion;

namespace Doppel.Models.Tests;

public class TfliteMobileFaceNetTests
{
    private const int Pixels = 3 * 112 * 112;

    [Fact]
    public void ConvertedModelMatchesTheNhwcReferenceInterpreter()
    {
        var model = TfliteModelReader.ReadFile(TfliteMobileFaceNetSource.RequireTflite());
        var onnx = TfliteMobileFaceNetSource.RequireOnnx();
        var nchw = OrtRun.Deterministic(2 * Pixels, seed: 11);
        var expected = new TfliteReferenceInterpreter(model).Run(NchwToNhwc(nchw, 2, 3, 112, 112));
        var actual = OrtRun.Run(onnx, TfliteMobileFaceNet.InputName, nchw, 2, 3, 112, 112).Single();
        actual.Shape.ShouldBe([2L, 192L]);
        var scale = expected.Max(Math.Abs);
        var worst = expected.Zip(actual.Data).Max(p => Math.Abs(p.First - p.Second));
        File.WriteAllText("/tmp/refdiff.txt", $"scale {scale} worst {worst} exp {string.Join(",", expected.Take(4))} act {string.Join(",", actual.Data.Take(4))}");
        worst.ShouldBeLessThan(1e-4f * scale);
    }

    internal static float[] NchwToNhwc(float[] nchw, int n, int c, int h, int w)
    {
        var nhwc = new float[nchw.Length];
        for (var b = 0; b < n; b++)
            for (var ch = 0; ch < c; ch++)
                for (var y = 0; y < h; y++)
                    for (var x = 0; x < w; x++)
                        nhwc[((b * h + y) * w + x) * c + ch] = nchw[((b * c + ch) * h + y) * w + x];
        return nhwc;
    }
}
