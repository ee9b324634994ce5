using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace Doppel.Models.Tests;

/// <summary>
/// LFW verification without a detector, to check a recogniser's conversion: LFW's 250x250 images
/// are roughly centred on the face, so a fixed centre crop resized to the net's input stands in
/// for alignment. A wrong tensor layout scores near chance; a right one far above it.
/// </summary>
internal static class TfliteLfwCentreCrop
{
    public sealed record Pair(string First, string Second, bool Same);

    /// <summary>A 120x120 box centred at (125, 115), chosen on pairsDevTrain among boxes of 94–126 px
    /// centred at y 112–135 (97.8 % there; boxes centred lower or smaller than 100 px fell to 71–91 %).</summary>
    public static readonly Rect DefaultCrop = Rect.FromLTRB(65, 55, 185, 175);

    /// <summary>Reads <c>pairsDevTest.txt</c>-style files: a count line, then <c>name i j</c> (same
    /// person) or <c>name1 i name2 j</c> (different people).</summary>
    public static IReadOnlyList<Pair> ReadPairs(string lfwDir, string pairsFile)
    {
        string Image(string name, string number) =>
            Path.Combine(lfwDir, "images", name, $"{name}_{int.Parse(number, System.Globalization.CultureInfo.InvariantCulture):D4}.jpg");
        var pairs = new List<Pair>();
        foreach (var line in File.ReadLines(Path.Combine(lfwDir, pairsFile)).Skip(1))
        {
            var f = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            pairs.Add(f.Length switch
            {
                3 => new Pair(Image(f[0], f[1]), Image(f[0], f[2]), true),
                4 => new Pair(Image(f[0], f[1]), Image(f[2], f[3]), false),
                _ => throw new InvalidDataException($"Unexpected pairs line in {pairsFile}: '{line}'"),
            });
        }
        return pairs;
    }

    /// <summary>Crop, resize to <paramref name="size"/>, BGR→RGB, (v − 127.5)/128, CHW.</summary>
    public static float[] Preprocess(string imagePath, Rect crop, int size)
    {
        using var image = Cv2.ImRead(imagePath, ImreadModes.Color);
        if (image.Empty())
            throw new InvalidDataException($"Cannot decode {imagePath}.");
        using var cropped = new Mat(image, crop);
        using var resized = new Mat();
        Cv2.Resize(cropped, resized, new Size(size, size), interpolation: InterpolationFlags.Area);
        using var rgb = new Mat();
        Cv2.CvtColor(resized, rgb, ColorConversionCodes.BGR2RGB);
        using var normalised = new Mat();
        rgb.ConvertTo(normalised, MatType.CV_32FC3, 1 / 128.0, -127.5 / 128.0);
        var chw = new float[3 * size * size];
        var planes = Cv2.Split(normalised);
        try
        {
            for (var c = 0; c < 3; c++)
            {
                planes[c].GetArray(out float[] plane);
                plane.CopyTo(chw, c * size * size);
            }
        }
        finally
        {
            foreach (var plane in planes)
                plane.Dispose();
        }
        return chw;
    }

    /// <summary>L2-normalised embeddings of every distinct image, in batches.</summary>
    public static Dictionary<string, float[]> Embed(
        InferenceSession session, string inputName, IEnumerable<string> images, Rect crop, int size, int batchSize = 16) =>
        Embed(session, inputName, images, path => Preprocess(path, crop, size), size, batchSize);

    /// <summary>L2-normalised embeddings of every distinct image, each made CHW by <paramref name="preprocess"/>.</summary>
    public static Dictionary<string, float[]> Embed(
        InferenceSession session, string inputName, IEnumerable<string> images, Func<string, float[]> preprocess, int size, int batchSize = 16)
    {
        var distinct = images.Distinct().ToArray();
        var result = new Dictionary<string, float[]>(distinct.Length);
        var itemLength = 3 * size * size;
        foreach (var chunk in distinct.Chunk(batchSize))
        {
            var batch = new float[chunk.Length * itemLength];
            for (var i = 0; i < chunk.Length; i++)
                preprocess(chunk[i]).CopyTo(batch, i * itemLength);
            using var input = OrtValue.CreateTensorValueFromMemory(batch, [chunk.Length, 3, size, size]);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [inputName], [input], session.OutputNames);
            var data = outputs[0].GetTensorDataAsSpan<float>();
            var dim = data.Length / chunk.Length;
            for (var i = 0; i < chunk.Length; i++)
            {
                var vector = data.Slice(i * dim, dim).ToArray();
                var norm = TensorPrimitives.Norm(vector);
                TensorPrimitives.Divide(vector, norm, vector);
                result[chunk[i]] = vector;
            }
        }
        return result;
    }

    /// <summary>Accuracy at the best single threshold on these scores (higher = same person).</summary>
    public static (double Accuracy, float Threshold) BestThreshold(IReadOnlyList<(float Score, bool Same)> scored)
    {
        var sorted = scored.OrderBy(s => s.Score).ToArray();
        // Threshold below everything: all pairs called "same".
        var correct = sorted.Count(s => s.Same);
        var best = (Correct: correct, Threshold: sorted[0].Score - 1e-3f);
        for (var i = 0; i < sorted.Length; i++)
        {
            // Moving the threshold just above sorted[i] turns it into "different".
            correct += sorted[i].Same ? -1 : 1;
            var threshold = i + 1 < sorted.Length ? (sorted[i].Score + sorted[i + 1].Score) / 2 : sorted[i].Score + 1e-3f;
            if (correct > best.Correct)
                best = (correct, threshold);
        }
        return ((double)best.Correct / sorted.Length, best.Threshold);
    }

    public static IReadOnlyList<(float Score, bool Same)> Score(IReadOnlyList<Pair> pairs, Dictionary<string, float[]> embeddings) =>
        [.. pairs.Select(p => (TensorPrimitives.Dot<float>(embeddings[p.First], embeddings[p.Second]), p.Same))];
}
