using System.Text.Json;
using Doppel.Testing;

namespace Doppel.Models.Tests;

/// <summary>
/// The deterministic input of Fixtures/face-api-reference.mjs and the descriptor face-api itself
/// computed for it (Fixtures/face-api-reference.json).
/// </summary>
internal static class FaceApiReference
{
    public const int Size = 150;
    private static readonly float[] Mean = [122.782f, 117.001f, 104.298f];

    /// <summary>The 150x150 RGB pattern, as RGB bytes per pixel, row-major; <paramref name="shift"/> varies it for batch tests.</summary>
    public static byte[] Pattern(int shift = 0)
    {
        var rgb = new byte[Size * Size * 3];
        for (var y = 0; y < Size; y++)
            for (var x = 0; x < Size; x++)
            {
                var i = (y * Size + x) * 3;
                rgb[i] = (byte)((x * 7 + y * 3 + shift) % 256);
                rgb[i + 1] = (byte)((x * 2 + y * 5 + 40 + 3 * shift) % 256);
                rgb[i + 2] = (byte)((x * y + 11 * shift) % 256);
            }
        return rgb;
    }

    /// <summary>face-api's normalisation, (RGB − mean) / 255, laid out as 3 x 150 x 150.</summary>
    public static float[] Normalise(byte[] rgb)
    {
        var plane = Size * Size;
        var chw = new float[3 * plane];
        for (var p = 0; p < plane; p++)
            for (var c = 0; c < 3; c++)
                chw[c * plane + p] = (rgb[p * 3 + c] - Mean[c]) / 255f;
        return chw;
    }

    public static float[] Descriptor()
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "Doppel.Models.Tests", "Fixtures", "face-api-reference.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return [.. json.RootElement.GetProperty("descriptor").EnumerateArray().Select(v => v.GetSingle())];
    }
}
