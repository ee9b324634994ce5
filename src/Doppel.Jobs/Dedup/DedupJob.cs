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

        var files = ImageScanner.Scan(options.Roots);
        OnMessage?.Invoke($"Found {files.Count} image files under {string.Join(", ", options.Roots)}.");
        var ingest = new MediaIngest(catalog, analyzer) { OnProgress = OnProgress };
        var registrations = ingest.Register(files, cancellationToken);

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
            return outcome with { Elapsed = clock.Elapsed };
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

        var hashOf = images.GroupBy(i => i.Media.Id).ToDictionary(g => g.Key, g => g.First().Media.ContentHash);
        var ignored = catalog.ListIgnoredPairs().Select(p => (p.HashA, p.HashB)).ToHashSet();
        var match = DedupMatcher.Match(catalog.ReadEmbeddings(analyzer.EmbeddingModel), faces.ToDictionary(f => f.Id, f => f.MediaId),
            hashOf, ignored, threshold, options.Grouping, options.Search, profile, cancellationToken);
        var (pairs, groups) = match;

        var scoreKind = DedupMatcher.ScoreKind(profile);
        string Settings(ImagePair p) => DedupMatcher.FindingSettings(analyzer.EmbeddingModel, analyzer.EmbeddingModelVersion, threshold, profile, options.Grouping, p.Probability);
        long setId = catalog.CreateDedupSet(runId);
        catalog.AddFindings(setId, pairs.Select(p => new NewFinding(p.MediaA, p.MediaB, p.FaceA, p.FaceB, p.Score, Settings(p))).ToList());
        OnMessage?.Invoke($"{faces.Count} faces, {pairs.Count} duplicate image pairs in {groups.Count} groups at {scoreKind} threshold {threshold:0.####}.");
        return new DedupOutcome(runId, setId, threshold, analyzer.EmbeddingModel, images, faces, pairs, groups, processed, resumed, clock.Elapsed)
        {
            FaceLevels = match.FaceLevels,
        };
    }
}
