using OpenCvSharp;

namespace Doppel.Testing;

/// <summary>The hostile corpus next to real LFW photos, as the end-to-end tests use it: the photos
/// under <c>photos/</c> (a run on that folder alone is the reference), the corpus beside them.</summary>
public static class HostileCorpusFiles
{
    /// <summary>Copies <paramref name="perPerson"/> LFW dev photos of each of the first
    /// <paramref name="people"/> identities with at least that many into DIR/photos; returns their relative paths.</summary>
    public static IReadOnlyList<string> CopyLfw(string dir, int people, int perPerson)
    {
        var lfw = SharedData.Require("data/lfw-dev/images");
        var copied = new List<string>();
        foreach (var person in Directory.GetDirectories(lfw).Order(StringComparer.Ordinal)
                     .Where(d => Directory.GetFiles(d, "*.jpg").Length >= perPerson).Take(people))
            foreach (var file in Directory.GetFiles(person, "*.jpg").Order(StringComparer.Ordinal).Take(perPerson))
            {
                var relative = Path.Combine("photos", Path.GetFileName(person), Path.GetFileName(file));
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, relative))!);
                File.Copy(file, Path.Combine(dir, relative));
                copied.Add(relative);
            }
        return copied;
    }

    /// <summary>Writes the corpus into DIR/hostile, seeded with the first LFW photo under DIR/photos.</summary>
    public static HostileCorpus Write(string dir, int fuzzed, int memoryStress = 0)
    {
        var seedPhoto = Directory.GetFiles(Path.Combine(dir, "photos"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var jpeg = File.ReadAllBytes(seedPhoto);
        using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
        decoded.GetArray(out Vec3b[] pixels);
        var bgr = pixels.SelectMany(p => new[] { p.Item0, p.Item1, p.Item2 }).ToArray();
        var root = Directory.CreateDirectory(Path.Combine(dir, "hostile")).FullName;
        var corpus = HostileCorpus.Write(root, jpeg, (decoded.Width, decoded.Height, bgr), Encode, fuzzed);
        corpus.AddMemoryStress(memoryStress);
        return corpus;
    }

    private static byte[] Encode(string extension, int width, int height, byte[] bgr)
    {
        using var mat = new Mat(height, width, MatType.CV_8UC3);
        mat.SetArray(bgr.Chunk(3).Select(c => new Vec3b(c[0], c[1], c[2])).ToArray());
        if (extension == ".pgm")
        {
            using var grey = mat.CvtColor(ColorConversionCodes.BGR2GRAY);
            return grey.ImEncode(".pgm");
        }
        if (extension == ".jpg-progressive")
            return mat.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegProgressive, 1));
        return mat.ImEncode(extension);
    }
}
