using Doppel.Application;
using Doppel.Cli.Commands;
using Doppel.Jobs;
using Doppel.Jobs.Dedup;
using Doppel.Application.Queue;
using Doppel.Matching;
using Doppel.Storage;
using Doppel.Vision.Embedding;
using Doppel.Workers;
using Hangfire;
using Serilog;

namespace Doppel.Cli.Infrastructure;

/// <summary>
/// <c>doppel dedup DIR --distributed</c>: registers the files in the catalog here, queues the set for the workers,
/// follows its progress, and ends with the outcome read back from the stored set (the same findings a
/// single-process run stores), summary and report included.
/// </summary>
public static class DistributedDedup
{
    /// <summary>How long following a set waits for an unreachable job database before giving up (the work goes on).</summary>
    private static readonly TimeSpan UnreachableLimit = TimeSpan.FromMinutes(5);

    public sealed record Settings(IReadOnlyList<string> Roots, string Catalog, string JobsAddress, float? Threshold, GroupingMode Grouping, int ChunkSize, int BlockSize,
        string Search = WorkSet.SearchExact, float? MinQuality = null, double? GroupMinProbability = null);

    public static async Task RunAsync(Settings settings, IImageAnalyzer analyzer, string? reportDir, int pageSize, Action<DedupOutcome> summary, CancellationToken cancellationToken)
    {
        using var _ = analyzer;
        void Message(string m)
        {
            Console.Error.WriteLine(m);
            Log.Information("{Message}", m);
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var jobsConnection = JobsStorage.ConnectionString(settings.JobsAddress);
        var (media, roots) = Engines.MediaFor(settings.Roots);
        await using var catalog = await Transient.RetryAsync(() => CatalogDatabases.OpenAsync(settings.Catalog, cancellationToken), Message, cancellationToken: cancellationToken);
        await using var work = await Transient.RetryAsync(() => WorkStore.OpenAsync(jobsConnection, cancellationToken), Message, cancellationToken: cancellationToken);
        var queue = new HangfireJobQueue(work, new BackgroundJobClient(JobsStorage.Create(jobsConnection)));
        var queued = await FolderSets.EnqueueAsync(catalog, media, queue, new FolderDedupRequest(roots, analyzer.EmbeddingModel, settings.Threshold,
            settings.Grouping.ToString().ToLowerInvariant(), settings.ChunkSize, settings.BlockSize, settings.Search, settings.MinQuality, analyzer.Recogniser), Message, cancellationToken);

        QueuedWorkProgress progress;
        string last = "";
        while (true)
        {
            // The workers retry their jobs through a database restart; following them does the same.
            progress = await Transient.RetryAsync(() => queue.GetProgressAsync(queued.Id, cancellationToken), Message, UnreachableLimit, cancellationToken)
                       ?? throw new InvalidOperationException($"Set {queued.Id} vanished from the job queue.");
            var line = $"{progress.State}: chunks {progress.ChunksDone}/{progress.Chunks}, partitions {progress.PartitionsDone}/{(progress.Partitions?.ToString() ?? "?")}";
            if (line != last)
                Message(last = line);
            if (progress.IsFinal)
                break;
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
        if (progress.IsFailed)
            throw new CatalogException($"Set {queued.Id} failed: {progress.Error} (failed jobs and their errors: the Hangfire dashboard or the hangfire schema).");

        var set = await Transient.RetryAsync(() => work.GetSetAsync(long.Parse(queued.Id, System.Globalization.CultureInfo.InvariantCulture), cancellationToken), Message, cancellationToken: cancellationToken)
                  ?? throw new InvalidOperationException($"Set {queued.Id} vanished from the job queue.");
        var outcome = await Transient.RetryAsync(async () => await OutcomeAsync(catalog.For(TenantId.Default), set, await work.CountFacesAsync(set.Id, cancellationToken),
            queued, clock.Elapsed, reportDir is not null, cancellationToken, settings.GroupMinProbability), Message, cancellationToken: cancellationToken);
        summary(outcome);
        if (reportDir is not null)
            await DedupCommand.WriteReportAsync(catalog, outcome, reportDir, analyzer.DetectorName, pageSize);
    }

    /// <summary>The outcome as the summary and the report need it, read from the stored set. Of the vectors it reads only
    /// those it needs, by face id: the faces of the images in findings (the groups' scores between members that did not
    /// pair, their levels) and, <paramref name="forReport"/>, every face the set matched (the report's score histogram is
    /// every image's best match to any other); never the model's other vectors in the catalog.</summary>
    /// <param name="matchedFaces">How many faces the workers matched (the frozen face order's length): the group cut depends on it.</param>
    /// <param name="groupMinProbability">The run's <c>--group-probability</c>: groups are formed here, by the follower; null = the profile's.</param>
    public static async Task<DedupOutcome> OutcomeAsync(IStoreSet stores, WorkSet set, int matchedFaces, QueuedFolderSet queued, TimeSpan elapsed, bool forReport,
        CancellationToken cancellationToken, double? groupMinProbability = null)
    {
        var media = (await stores.Media.GetManyAsync(set.MediaIds, cancellationToken)).ToDictionary(m => m.Id);
        var images = queued.Registered.Select(r => new DedupImage(media[r.Registration.Media.Id],
            new Doppel.Jobs.Ingest.ScannedFile(r.Object.Key.Key, r.Object.RelativePath, r.Object.Root, r.Object.SizeBytes, r.Object.LastModified.UtcDateTime))).ToList();
        var faces = await stores.Faces.ListOfMediaAsync(set.MediaIds, cancellationToken);
        // The faces the workers matched: those --min-quality keeps (QualityGate, as the single process splits them).
        var (matchable, lowQuality) = QualityGate.Split(faces, set.MinQuality);
        var findings = await stores.Dedup.GetFindingsAsync(set.DedupSetId!.Value, cancellationToken: cancellationToken);
        var paired = findings.SelectMany(f => new[] { f.MediaA, f.MediaB }).ToHashSet();
        var wanted = matchable.Where(f => forReport || paired.Contains(f.MediaId)).Select(f => f.Id).ToList();
        var vectors = new List<FaceEmbedding>(wanted.Count);
        if (set.ModelVersion is { } version && wanted.Count > 0)
            await foreach (var e in stores.Faces.ReadEmbeddingsOfFacesAsync(set.Model, version, wanted, cancellationToken))
                vectors.Add(e);
        // Pairs and groups as the single-process run forms them: the same matcher's second half over the stored
        // findings (final scores), with the same profile scoring for the grouping's unpaired members.
        var mediaOfFace = faces.ToDictionary(f => f.Id, f => f.MediaId);
        var (set1, refs) = DedupMatcher.VectorsOf(vectors, e => mediaOfFace[e.FaceId]);
        var scoring = FaceScoring.For(RecognitionProfiles.WithGroupProbability(set.Profile, groupMinProbability), set.ModelVersion, set1, cancellationToken);
        var rowOf = refs.Select((r, row) => (r.FaceId, row)).ToDictionary(x => x.FaceId, x => x.row);
        var facePairs = findings.Where(f => f.FaceA is { } a && f.FaceB is { } b && rowOf.ContainsKey(a) && rowOf.ContainsKey(b))
            .Select(f => rowOf[f.FaceA!.Value] < rowOf[f.FaceB!.Value]
                ? new ScoredPair(rowOf[f.FaceA!.Value], rowOf[f.FaceB!.Value], f.Score)
                : new ScoredPair(rowOf[f.FaceB!.Value], rowOf[f.FaceA!.Value], f.Score))
            .OrderBy(p => p.A).ThenBy(p => p.B).ToList();
        var ignored = (await stores.IgnoredPairs.ListAsync(cancellationToken)).Select(p => (p.HashA, p.HashB)).ToHashSet();
        var match = DedupMatcher.FromFacePairs(facePairs, refs, media.ToDictionary(m => m.Key, m => m.Value.ContentHash), ignored,
            Doppel.Workers.DedupWork.GroupingOf(set.Grouping), set.Threshold ?? 0, scoring, scored: true, matchedFaces: matchedFaces);
        return new DedupOutcome(set.RunId, set.DedupSetId.Value, set.Threshold ?? 0, set.Model, images, faces, match.Pairs, match.Groups, queued.Pending, false, elapsed)
        {
            Vectors = vectors,
            LowQuality = lowQuality,
            MinQuality = set.MinQuality,
            FaceLevels = match.FaceLevels,
            GroupCut = match.GroupCut,
            GroupCutProbability = match.GroupCutProbability,
        };
    }
}
