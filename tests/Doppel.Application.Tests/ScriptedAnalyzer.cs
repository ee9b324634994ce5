using Doppel.Jobs;
using Doppel.Vision;
using Doppel.Vision.Decoding;

namespace Doppel.Application.Tests;

/// <summary>A face pipeline with no model: one face per file, its vector chosen by file name (unknown names get
/// a vector of their own, far from every other), so matching outcomes are exact and known in advance. Every face's
/// quality is 0.5 unless <paramref name="qualityOf"/> names its file. <paramref name="model"/> and <paramref name="version"/>
/// name the vectors: a real model's name and a version its profile has a reference cohort for make them score as that model's.</summary>
internal sealed class ScriptedAnalyzer(IReadOnlyDictionary<string, float[]> vectorOf, IReadOnlyDictionary<string, float>? qualityOf = null,
    string model = "scripted-model", string version = "1") : IImageAnalyzer
{
    public string DetectorName => "scripted";
    public string EmbeddingModel => model;
    public string EmbeddingModelVersion => version;
    public IFaceEmbedder Embedder { get; } = new UnusedEmbedder();
    public float DefaultThreshold => 0.7f;
    public Doppel.Vision.Embedding.RecognitionProfile Profile => Doppel.Vision.Embedding.RecognitionProfiles.Unmeasured(EmbeddingModel, DefaultThreshold);

    /// <summary>Files analysed so far (a re-run that analyses nothing leaves it unchanged).</summary>
    public int Analysed { get; private set; }

    /// <summary>Sources that could not be read (stored as status unreadable, as the pipeline does).</summary>
    public int Unreadable { get; private set; }

    public void Load()
    {
    }

    public IEnumerable<ImageAnalysis> Analyze(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        foreach (var path in paths)
        {
            Analysed++;
            var name = Path.GetFileName(path);
            var vector = vectorOf.TryGetValue(name, out var v) ? v : Far(name);
            var landmarks = new FaceLandmarks(new(30, 40), new(70, 40), new(50, 60), new(50, 80));
            yield return new ImageAnalysis(path, ImageStatus.Ok, null, "jpeg", 100, 100,
            [
                new FaceAnalysis(new DetectedFace(new BoxF(10, 10, 80, 80), 0.99f, landmarks), new Dictionary<string, float[]> { [EmbeddingModel] = vector },
                    qualityOf is not null && qualityOf.TryGetValue(name, out var q) ? q : 0.5f),
            ]);
        }
    }

    /// <summary>Reads each source once, as the pipeline does, and reports the hash and size of what it read.</summary>
    public IEnumerable<ImageAnalysis> Analyze(IReadOnlyList<ImageSource> sources, CancellationToken cancellationToken = default)
    {
        foreach (var source in sources)
        {
            var (read, error) = Read(source, cancellationToken);
            if (read is null)
            {
                Unreadable++;
                yield return new ImageAnalysis(source.Name, ImageStatus.Unreadable, $"cannot read file: {error}", null, 0, 0, []);
                continue;
            }
            var analysis = Analyze([source.Name], cancellationToken).Single();
            yield return analysis with { ContentHash = read.Sha256, SizeBytes = read.Length };
        }
    }

    private static (SourceBytes? Read, string? Error) Read(ImageSource source, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = source.Open(cancellationToken);
            return (SourceBytes.Read(stream, 64L << 20, cancellationToken), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Unit vector at <paramref name="degrees"/> in the first plane.</summary>
    public static float[] At(double degrees) =>
        [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180), 0f, 0f, 0f, 0f, 0f, 0f];

    /// <summary>A vector in a dimension of its own per name (up to 5 names), orthogonal to the first plane.</summary>
    private static float[] Far(string name)
    {
        var v = new float[8];
        v[2 + Math.Abs(name.GetHashCode(StringComparison.Ordinal)) % 6] = 1f;
        return v;
    }

    public void Dispose()
    {
    }

    private sealed class UnusedEmbedder : IFaceEmbedder
    {
        public string Name => "scripted-model";
        public int Dimension => 8;
        public float DefaultThreshold => 0.7f;
        public float[][] Embed(IReadOnlyList<FaceCrop> faces) => throw new InvalidOperationException("No face should need re-embedding.");
        public void Dispose()
        {
        }
    }
}
