using System.Text.Json;
using Doppel.Jobs.Ingest;
using Doppel.Jobs.Persons;
using Doppel.Matching;
using Doppel.Storage;
using Doppel.Vision;
using Doppel.Vision.Embedding;

namespace Doppel.Jobs.Dedup;

/// <summary>Settings of one <c>doppel dedup</c> run.</summary>
public sealed record DedupJobOptions
{
    public required IReadOnlyList<string> Roots { get; init; }

    /// <summary>Threshold on the recognition profile's score (cohort-normalised cosine for dlib, raw cosine
    /// for MobileFaceNet and the accurate fusion); null = the profile's dedup threshold.</summary>
    public float? Threshold { get; init; }

    /// <summary>Average (default: every member supported by its whole group, no chains), connected or core.</summary>
    public GroupingMode Grouping { get; init; } = GroupingMode.Average;

    /// <summary>How face pairs are found: exact (default), HNSW or IVF (approximate, for very large catalogs).</summary>
    public SearchConfig Search { get; init; } = SearchConfig.Default;

    /// <summary>Faces whose stored quality is below this take no part in matching; an image left with no
    /// face is reported as <see cref="ImageStatus.LowQuality"/>. Null: every face is matched. Faces stored
    /// without a quality (ingested before quality was assessed) are matched.</summary>
    public float? MinQuality { get; init; }

    /// <summary>Images whose results are stored in one catalog transaction: the most a kill can lose.</summary>
    public int BatchSize { get; init; } = 64;
}

/// <summary>One scanned image as the outcome reports it.</summary>
public sealed record DedupImage(MediaFile Media, ScannedFile File);

/// <summary>What a dedup run found, for the CLI summary and the report.</summary>
public sealed record DedupOutcome(
    long RunId,
    long DedupSetId,
    float Threshold,
    string Model,
    IReadOnlyList<DedupImage> Images,
    IReadOnlyList<FaceRecord> Faces,
    IReadOnlyList<ImagePair> Pairs,
    IReadOnlyList<IReadOnlyList<long>> Groups,
    int ProcessedThisRun,
    bool Resumed,
    TimeSpan Elapsed)
{
    /// <summary>Entries under the roots that were not read, each with its reason (special files,
    /// dangling links, loops, unreadable files and folders, bad names, hidden files).</summary>
    public IReadOnlyList<ScanEntry> Skipped { get; init; } = [];
    /// <summary>Images not matched because every face scored below <see cref="MinQuality"/>, with their best face's quality.</summary>
    public IReadOnlyDictionary<long, float> LowQuality { get; init; } = new Dictionary<long, float>();

    /// <summary>The run's <c>--min-quality</c>, if any.</summary>
    public float? MinQuality { get; init; }
    /// <summary>Each face's normalisation level (<see cref="CohortNormalisation"/>), when the profile normalises.</summary>
    public IReadOnlyDictionary<long, float>? FaceLevels { get; init; }

    /// <summary>The vectors matching read (the set's faces, the outcome's model), when the job kept them: the
    /// report's score histogram uses them instead of reading the catalog again.</summary>
    public IReadOnlyList<FaceEmbedding>? Vectors { get; init; }
}

/// <summary>
/// The main job: ingest every image under the roots into the catalog (only files not processed
/// before: content hashes make re-runs idempotent), then find every pair of images whose best face
/// pair matches, group them, and store the findings. Results are saved in small atomic batches,
/// so a run killed at any point resumes with the files it had not stored, and because matching
/// runs over the catalog after ingest, a resumed run ends with exactly the findings of an
/// uninterrupted one.
/// </summary>
public sealed class DedupJob(ICatalog catalog, IImageAnalyzer analyzer)
{
    public const string RunKind = "dedup";

    /// <summary>Reports (done, total) as images are stored.</summary>
    public Action<long, long>? OnProgress { get; init; }

    public Action<string>? OnMessage { get; init; }

    public DedupOutcome Run(DedupJobOptions options, CancellationToken cancellationToken = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var ingestLock = catalog.AcquireLock("ingest", $"dedup {string.Join(' ', options.Roots)}");

        var scan = ImageScanner.ScanAll(options.Roots);
        OnMessage?.Invoke($"Found {scan.Files.Count} image files under {string.Join(", ", options.Roots)}"
            + (scan.Skipped.Count > 0 ? $"; passed over {Skipped.Describe(scan.Skipped)}." : "."));
        var ingest = new MediaIngest(catalog, analyzer) { OnProgress = OnProgress };
        var registered = ingest.RegisterReadable(scan.Files, cancellationToken);
        var files = registered.Files;
        var registrations = registered.Registrations;
        var skipped = scan.Skipped.Concat(registered.Unreadable).OrderBy(e => e.FullPath, StringComparer.Ordinal).ToList();

        var pending = registrations.Where(r => r.Media.State == MediaState.Pending).Select(r => r.Media)
            .DistinctBy(m => m.Id).ToList();
        var unfinished = catalog.FindUnfinishedRun(RunKind);
        bool resumed = unfinished is not null;
        long runId = unfinished?.Id ?? catalog.StartRun(RunKind, JsonSerializer.Serialize(new { roots = options.Roots, threshold = options.Threshold, model = analyzer.EmbeddingModel }), pending.Count);
        if (resumed)
        {
            catalog.UpdateRun(runId, total: unfinished!.Processed + pending.Count);
            OnMessage?.Invoke($"Resuming run {runId}: {unfinished.Processed} images already stored, {pending.Count} to go.");
        }
        try
        {
            ingest.Process(pending, runId, options.BatchSize, cancellationToken);
            // Files processed earlier with another recogniser (detect --db --model X) have faces but no
            // vector of this model; without one they would silently drop out of matching.
            new EmbedMissingFacesJob(catalog) { OnMessage = OnMessage }.RunUnderIngestLock(
                analyzer.Embedder, analyzer.EmbeddingModelVersion, registrations.Select(r => r.Media.Id).ToHashSet(), cancellationToken);
            var outcome = Match(options, runId, registrations, files, pending.Count, resumed, clock, cancellationToken);
            catalog.FinishRun(runId, RunState.Completed);
            return outcome with { Elapsed = clock.Elapsed, Skipped = skipped };
        }
        catch (OperationCanceledException)
        {
            catalog.FinishRun(runId, RunState.Cancelled);
            throw;
        }
    }

    private DedupOutcome Match(DedupJobOptions options, long runId, IReadOnlyList<MediaRegistration> registrations,
        IReadOnlyList<ScannedFile> files, int processed, bool resumed, System.Diagnostics.Stopwatch clock, CancellationToken cancellationToken)
    {
        var profile = analyzer.Profile;
        float threshold = options.Threshold ?? profile.DedupThreshold;
        var images = registrations.Select((r, i) => new DedupImage(catalog.GetMedia(r.Media.Id)!, files[i])).ToList();
        var inScope = images.Select(i => i.Media.Id).ToHashSet();
        var faces = catalog.ListFaces().Where(f => inScope.Contains(f.MediaId)).ToList();
        var (matchable, lowQuality) = QualityGate.Split(faces, options.MinQuality);

        var hashOf = images.GroupBy(i => i.Media.Id).ToDictionary(g => g.Key, g => g.First().Media.ContentHash);
        var ignored = catalog.ListIgnoredPairs().Select(p => (p.HashA, p.HashB)).ToHashSet();
        var match = DedupMatcher.Match(catalog.ReadEmbeddings(analyzer.EmbeddingModel), matchable.ToDictionary(f => f.Id, f => f.MediaId),
            hashOf, ignored, threshold, options.Grouping, options.Search, profile, analyzer.EmbeddingModelVersion, cancellationToken);
        var (pairs, groups) = match;

        var scoreKind = DedupMatcher.ScoreKind(profile);
        string Settings(ImagePair p) => DedupMatcher.FindingSettings(analyzer.EmbeddingModel, analyzer.EmbeddingModelVersion, threshold, profile, options.Grouping, p.Probability);
        long setId = catalog.CreateDedupSet(runId);
        catalog.AddFindings(setId, pairs.Select(p => new NewFinding(p.MediaA, p.MediaB, p.FaceA, p.FaceB, p.Score, Settings(p))).ToList());
        OnMessage?.Invoke($"{faces.Count} faces, {pairs.Count} duplicate image pairs in {groups.Count} groups at {scoreKind} threshold {threshold:0.####}."
            + (options.MinQuality is float q ? $" {faces.Count - matchable.Count} faces below quality {q:0.##} not matched ({lowQuality.Count} images low_quality)." : ""));
        return new DedupOutcome(runId, setId, threshold, analyzer.EmbeddingModel, images, faces, pairs, groups, processed, resumed, clock.Elapsed)
        {
            LowQuality = lowQuality,
            MinQuality = options.MinQuality,
            FaceLevels = match.FaceLevels,
        };
    }
}

/// <summary>How a run's passed-over entries are summed up in one line.</summary>
public static class Skipped
{
    /// <summary>"3 entries (dangling_link 1, special_file 2)".</summary>
    public static string Describe(IReadOnlyCollection<ScanEntry> skipped) =>
        $"{skipped.Count} {(skipped.Count == 1 ? "entry" : "entries")} ({string.Join(", ", skipped.GroupBy(e => e.Status.ToCode()).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))})";
}
