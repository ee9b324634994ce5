using System.Text.Json;
using Doppel.Models.Conversion;
using Doppel.Testing;

namespace Doppel.Models.Tests;

/// <summary>
/// Compares the converted model with an independent TFLite runtime: Arm NN's TFLite parser and
/// reference CPU backend ran the original file (TfliteArmnnReference.py, output stored in
/// TfliteArmnnReference.json) on the same deterministic input.
/// </summary>
public class TfliteArmnnReferenceTests
{
    [Fact]
    public void ConvertedModelMatchesArmNnOnTheOriginalTflite()
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "Doppel.Models.Tests", "TfliteArmnnReference.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var seed = json.RootElement.GetProperty("seed").GetUInt32();
        float[][] expected = [.. json.RootElement.GetProperty("embedding").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.GetSingle()).ToArray())];
        expected.Length.ShouldBe(2);

        var input = OrtRun.Deterministic(2 * 3 * 112 * 112, seed);
        var actual = OrtRun.Run(TfliteMobileFaceNetSource.RequireOnnx(), TfliteMobileFaceNet.InputName, input, 2, 3, 112, 112).Single();
        for (var row = 0; row < 2; row++)
        {
            expected[row].Length.ShouldBe(TfliteMobileFaceNet.EmbeddingSize);
            var got = actual.Data[(row * 192)..((row + 1) * 192)];
            var scale = expected[row].Max(Math.Abs);
            var worst = expected[row].Zip(got).Max(p => Math.Abs(p.First - p.Second));
            TestContext.Current.SendDiagnosticMessage($"row {row}: max |ORT - Arm NN| = {worst:G3} (max |value| {scale:F3})");
            worst.ShouldBeLessThan(1e-4f * scale);
        }
    }
}
