using System.Text.Json;
using Doppel.Models.Onnx;

namespace Doppel.Models;

/// <summary>
/// Activation ranges shipped inside Doppel for the models it quantises at install. Each file
/// (<c>Calibration/NAME.ranges.json</c>, an object of tensor name → [min, max]) was measured once by
/// <c>Doppel.Vision.Bench int8-dlib</c> (dlib) or <c>int8 MODEL</c> (faceres) on faces outside LFW; keeping the numbers, not the images,
/// makes every install produce the same bytes (and so a pinned sha256).
/// </summary>
public static class CalibrationRanges
{
    public static IReadOnlyDictionary<string, TensorRange> Load(string modelName)
    {
        var resource = $"Doppel.Models.Calibration.{modelName}.ranges.json";
        using var stream = typeof(CalibrationRanges).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"No calibration ranges are built in for '{modelName}' ({resource}).");
        return Parse(stream);
    }

    public static IReadOnlyDictionary<string, TensorRange> Parse(Stream json)
    {
        var raw = JsonSerializer.Deserialize<Dictionary<string, float[]>>(json)
            ?? throw new InvalidDataException("Calibration ranges: expected a JSON object.");
        return raw.ToDictionary(r => r.Key, r => r.Value is [var min, var max] && min <= max
            ? new TensorRange(min, max)
            : throw new InvalidDataException($"Calibration range of '{r.Key}' must be [min, max]."), StringComparer.Ordinal);
    }
}
