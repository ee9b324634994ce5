using System.Text.Json;
using Doppel.Testing;

namespace Doppel.Models.Tests;

/// <summary>
/// The deterministic input of Fixtures/face-api-reference.mjs (150x150 for the recogniser, 112x112
/// for the landmark net), and what face-api itself computed for them (Fixtures/face-api-reference.json,
/// face-api-landmark-reference.json).
/// </summary>
internal static class FaceApiReference
{
    public const int Size = 150;
    private static readonly float[] Mean = [122.782f, 117.001f, 104.298f];

    /// <summary>The square RGB pattern, as RGB bytes per pixel, row-major; <paramref name="shift"/> varies it for batch tests.</summary>
    public static byte[] Pattern(int shift = 0, int size = Size)
    {
        var rgb = new byte[size * size * 3];
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                var i = (y * size + x) * 3;
                rgb[i] = (byte)((x * 7 + y * 3 + shift) % 256);
                rgb[i + 1] = (byte)((x * 2 + y * 5 + 40 + 3 * shift) % 256);
                rgb[i + 2] = (byte)((x * y + 11 * shift) % 256);
            }
        return rgb;
    }

    /// <summary>face-api's normalisation, (RGB − mean) / 255, laid out as 3 x H x W (both nets use the same mean).</summary>
    public static float[] Normalise(byte[] rgb)
    {
        var plane = rgb.Length / 3;
        var chw = new float[3 * plane];
        for (var p = 0; p < plane; p++)
            for (var c = 0; c < 3; c++)
                chw[c * plane + p] = (rgb[p * 3 + c] - Mean[c]) / 255f;
        return chw;
    }

    public static float[] Descriptor() => Fixture("face-api-reference.json", "descriptor");

    public static float[] Landmarks() => Fixture("face-api-landmark-reference.json", "landmarks");

    private static float[] Fixture(string file, string property)
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "Doppel.Models.Tests", "Fixtures", file);
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return [.. json.RootElement.GetProperty(property).EnumerateArray().Select(v => v.GetSingle())];
    }
}
