using System.Globalization;
using System.Text;
using Doppel.Jobs;
using Doppel.Jobs.Evaluation;
using Doppel.Matching.IO;
using Doppel.Vision;
using Doppel.Vision.Detection;
using Doppel.Vision.Pipeline;
using Doppel.Vision.Quality;

namespace Doppel.Application.Evaluation;

/// <summary><c>eval quality</c>: genuine comparisons from LFW pairs files (an image's identity is its
/// folder) or from a labels CSV (every same-identity pair); optionally every face's signals to a CSV.</summary>
public sealed record EvaluateQualityCommand(string ImagesDir)
{
    public IReadOnlyList<string> PairsFiles { get; init; } = [];
    public string? LabelsFile { get; init; }

    /// <summary>Also write every face's cheap signals (the 'signals' assessor's features), qualities and vector here.</summary>
    public string? SignalsFile { get; init; }
}

public sealed record QualityOutcome(string Model, string Detector, QualityEvaluationResult Result);

/// <summary>
/// Does a face-quality score find the faces the recogniser fails on? The error-versus-reject curve of
/// each assessor of the recipe (FNMR at FMR 1e-3 after rejecting the lowest 0–50 % by pair quality),
/// against random and face-size rejection (<see cref="QualityEvaluation"/>).
/// </summary>
public sealed class EvaluateQualityHandler(FacePipelineRecipe recipe)
{
    public Action<int, int>? OnProgress { get; init; }

    public QualityOutcome Handle(EvaluateQualityCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var dir = command.ImagesDir;
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"Images folder '{dir}' does not exist.");
        if ((command.LabelsFile is null) == (command.PairsFiles.Count == 0))
            throw new ArgumentException("Give either --pairs FILE... or --labels CSV.");
        var (identities, genuine) = command.LabelsFile is { } labelsFile ? FromLabels(dir, labelsFile) : FromPairs(dir, command.PairsFiles);
        var missing = identities.Keys.Where(p => !File.Exists(p)).Take(3).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException($"Images not found under {dir}, e.g. {string.Join(", ", missing)}.");
        if (genuine.Count == 0)
            throw new ArgumentException("No same-person comparisons: quality cannot be evaluated without them.");

        var names = recipe.Qualities;
        using var built = recipe.Build();
        var recorder = command.SignalsFile is not null ? new SignalRecorder() : null;
        using var faces = recorder is null ? built : new FacePipeline(built.Detector, built.Embedders, built.Options, ownsModels: false) { Qualities = [.. built.Qualities, recorder] };
        var model = faces.Embedders[0].Name;
        var analyses = new Dictionary<string, FaceAnalysis?>(StringComparer.Ordinal);
        foreach (var analysis in faces.AnalyzeManyAsync(identities.Keys.ToList()).ToBlockingEnumerable())
        {
            analyses[analysis.Path] = analysis.Status is ImageStatus.Ok or ImageStatus.SeveralFaces ? analysis.Faces.FirstOrDefault() : null;
            OnProgress?.Invoke(analyses.Count, identities.Count);
        }
        if (recorder is not null)
            WriteSignals(command.SignalsFile!, dir, identities, analyses, recorder, names);
        return new QualityOutcome(model, faces.Detector.Name, QualityEvaluation.Run(identities, genuine, analyses, model, names));
    }

    private static (IReadOnlyDictionary<string, string>, IReadOnlyList<(string, string)>) FromLabels(string dir, string labelsFile)
    {
        var identities = LabelsCsv.Read(labelsFile).ToDictionary(kv => Path.GetFullPath(Path.Combine(dir, kv.Key)), kv => kv.Value, StringComparer.Ordinal);
        return (identities, QualityEvaluation.AllGenuinePairs(identities));
    }

    private static (IReadOnlyDictionary<string, string>, IReadOnlyList<(string, string)>) FromPairs(string dir, IReadOnlyList<string> files)
    {
        var all = files.SelectMany(f => LfwPairs.Read(f).Pairs).ToList();
        string Full(string relative) => Path.GetFullPath(Path.Combine(dir, relative));
        var identities = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in all)
            foreach (var image in new[] { p.ImageA, p.ImageB })
                identities[Full(image)] = Path.GetFileName(Path.GetDirectoryName(image)) ?? image;
        var genuine = all.Where(p => p.Same).Select(p => (Full(p.ImageA), Full(p.ImageB))).Distinct().ToList();
        return (identities, genuine);
    }

    private static void WriteSignals(string file, string dir, IReadOnlyDictionary<string, string> identities,
        IReadOnlyDictionary<string, FaceAnalysis?> analyses, SignalRecorder recorder, IReadOnlyList<string> names)
    {
        var csv = new StringBuilder("path,identity,").Append(string.Join(',', FaceSignals.FeatureNames)).Append(',').Append(string.Join(',', names)).Append(",vector\n");
        foreach (var (path, identity) in identities.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (analyses.GetValueOrDefault(path) is not { } face || !recorder.TryGet(face.Detection, out var features))
                continue;
            csv.Append(Field(Path.GetRelativePath(dir, path))).Append(',').Append(Field(identity)).Append(',')
                .Append(string.Join(',', features.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))).Append(',')
                .Append(string.Join(',', names.Select(n => face.Qualities.TryGetValue(n, out var q) ? q.ToString("R", CultureInfo.InvariantCulture) : ""))).Append(',')
                .Append(string.Join(' ', face.Embeddings.Values.First().Select(f => f.ToString("R", CultureInfo.InvariantCulture))))
                .Append('\n');
        }
        File.WriteAllText(file, csv.ToString());
    }

    private static string Field(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? '"' + value.Replace("\"", "\"\"") + '"' : value;

    /// <summary>Keeps each assessed face's <see cref="FaceSignals.Features"/> (by detection, which the
    /// pipeline passes through unchanged); scores nothing of its own.</summary>
    private sealed class SignalRecorder : IFaceQuality
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<DetectedFace, float[]> _features = new(ReferenceEqualityComparer.Instance);

        public string Name => "signal-recorder";

        public float[] Assess(IReadOnlyList<QualityInput> faces)
        {
            foreach (var face in faces)
                _features[face.Detection] = FaceSignals.Measure(face).Features();
            return new float[faces.Count];
        }

        public bool TryGet(DetectedFace face, out float[] features) => _features.TryGetValue(face, out features!);

        public void Dispose()
        {
        }
    }
}
