using System.Text.Json;
using System.Text.Json.Serialization;

namespace Doppel.Vision.Detection.Evaluation;

/// <summary>The three WIDER FACE difficulty settings; each is a fixed list of faces (official lists).</summary>
public enum WiderDifficulty
{
    Easy,
    Medium,
    Hard,
}

/// <summary>One ground-truth face: its box and the difficulty lists it is on.</summary>
public sealed record GroundTruthFace(BoxF Box, bool Easy, bool Medium, bool Hard)
{
    public bool IsIn(WiderDifficulty difficulty) => difficulty switch
    {
        WiderDifficulty.Easy => Easy,
        WiderDifficulty.Medium => Medium,
        WiderDifficulty.Hard => Hard,
        _ => throw new ArgumentOutOfRangeException(nameof(difficulty), difficulty, null),
    };
}

/// <summary>An image of the evaluation set: its path relative to the annotation file, and its faces.</summary>
public sealed record AnnotatedImage(string RelativePath, IReadOnlyList<GroundTruthFace> Faces);

/// <summary>
/// Reads <c>annotations.json</c> of <c>wider-val-subset</c>: an array of
/// <c>{ "image": "images/EVENT/NAME.jpg", "faces": [ { x, y, w, h, blur, ..., easy, medium, hard } ] }</c>
/// where the flags are the official difficulty lists.
/// </summary>
public static class WiderAnnotations
{
    public static IReadOnlyList<AnnotatedImage> Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Annotation file not found: {path}", path);
        List<ImageJson>? images;
        try
        {
            using var stream = File.OpenRead(path);
            images = JsonSerializer.Deserialize<List<ImageJson>>(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a WIDER annotation array: {e.Message}", e);
        }
        if (images is null || images.Count == 0)
            throw new InvalidDataException($"{path} lists no images.");
        return images.Select((image, i) => new AnnotatedImage(
            string.IsNullOrWhiteSpace(image.Image) ? throw new InvalidDataException($"{path}: entry {i} has no \"image\".") : image.Image,
            (image.Faces ?? []).Select(f => new GroundTruthFace(new BoxF(f.X, f.Y, f.W, f.H), f.Easy, f.Medium, f.Hard)).ToList()))
            .ToList();
    }

    private sealed record ImageJson(
        [property: JsonPropertyName("image")] string? Image,
        [property: JsonPropertyName("faces")] List<FaceJson>? Faces);

    private sealed record FaceJson(
        [property: JsonPropertyName("x")] float X,
        [property: JsonPropertyName("y")] float Y,
        [property: JsonPropertyName("w")] float W,
        [property: JsonPropertyName("h")] float H,
        [property: JsonPropertyName("easy")] bool Easy,
        [property: JsonPropertyName("medium")] bool Medium,
        [property: JsonPropertyName("hard")] bool Hard);
}
