using System.ComponentModel;
using System.Text.Json;
using Doppel.Jobs.Dedup;
using Doppel.Application.Ingest;
using Doppel.Application.Sets;
using Doppel.Matching;
using Doppel.Storage;
using Hangfire;
using Hangfire.States;

namespace Doppel.Workers;

/// <summary>
/// The job graph of one distributed dedup set, as Hangfire jobs (each public method is one job, its queue named
/// by <see cref="QueueAttribute"/>):
/// <list type="number">
/// <item><see cref="AnalyseChunk"/> (fan-out): analyse one chunk of the set's media and store faces and vectors;
/// the last chunk to finish enqueues <see cref="PlanMatching"/>;</item>
/// <item><see cref="PlanMatching"/> (fan-in): freezes the face order and enqueues one <see cref="MatchPartition"/> per
/// (row block, column block) of the upper triangle; with IVF it trains the cells once, freezes every face's probe
/// list with the order, and enqueues one <see cref="MatchCells"/> per range of cells;</item>
/// <item><see cref="MatchPartition"/> / <see cref="MatchCells"/> (fan-out): the exact join of two blocks, or the IVF join
/// of the pairs a range of cells owns, its pairs merged into the set's; the last enqueues <see cref="Finish"/>;</item>
/// <item><see cref="Finish"/> (fan-in): image pairs from the merged face pairs, findings stored in the catalog.</item>
/// </list>
/// Every job is idempotent (keyed by set and chunk or partition) and checks what is done first, so a job that
/// runs again after its worker was killed, or twice, changes nothing; a fan-in enqueued twice does its work once.
/// </summary>
public sealed class DedupWork(WorkerServices services)
{
    public const string RunKind = "dedup";

    [Queue(JobQueues.Analyse)]
    [DisplayName("Analyse set {0}, chunk {1}")]
    public async Task AnalyseChunk(long setId, int chunk, CancellationToken cancellationToken)
    {
        var set = await RequireAsync(setId, cancellationToken);
        if (set.IsFinal)
            return;
        ChunkFaces? faces = null;
        if (!await services.Work.IsChunkDoneAsync(setId, chunk, cancellationToken))
        {
            // The pipeline of the set's recogniser (opened at this worker's first job of it, then pooled).
            var analyzer = services.RentAnalyzer(set.Recogniser);
            string version;
            try
            {
                version = await AnalyseAsync(set, chunk, analyzer, cancellationToken);
            }
            finally
            {
                services.Return(analyzer);
            }
            faces = await ChunkFacesAsync(set, chunk, version, cancellationToken);
        }
        if (await services.Work.MarkChunkDoneAsync(setId, chunk, services.WorkerName, cancellationToken, faces) >= set.Chunks)
            services.Jobs.Create<DedupWork>(w => w.PlanMatching(setId, CancellationToken.None), new EnqueuedState(JobQueues.Match));
    }

    /// <summary>The chunk's media of the set ids.</summary>
    private static List<long> ChunkMedia(WorkSet set, int chunk) => set.MediaIds.Skip(chunk * set.ChunkSize).Take(set.ChunkSize).ToList();

    /// <summary>How many faces of the chunk's media have a vector of <paramref name="version"/> and, when the set's scores are
    /// normalised, the lowest of their levels: the plan takes the lowest of the chunks' instead of reading every vector
    /// of the set again. Reads the chunk's vectors only.</summary>
    private async Task<ChunkFaces> ChunkFacesAsync(WorkSet set, int chunk, string version, CancellationToken cancellationToken)
    {
        var stores = services.Catalog.For(new TenantId(set.Tenant));
        var ids = QualityGate.Split(await stores.Faces.ListOfMediaAsync(ChunkMedia(set, chunk), cancellationToken), set.MinQuality).Matchable.Select(f => f.Id).ToList();
        var vectors = await VectorsAsync(set with { ModelVersion = version }, ids, cancellationToken, missingAllowed: true);
        // A service set's threshold is a raw cosine: no levels (see PlanMatching).
        var levels = set.ServiceSet is null ? FaceScoring.For(set.Profile, version, vectors, cancellationToken).Levels : null;
        return new ChunkFaces(vectors.Count, levels is { Length: > 0 } l ? l.Min() : null, FaceChecksum.Of(Enumerable.Range(0, vectors.Count).Select(vectors.Id)));
    }

    /// <summary>The lowest level of <paramref name="faceIds"/>' vectors (null without a face), reading those vectors only.</summary>
    private async Task<float?> LowestLevelAsync(WorkSet set, IReadOnlyList<long> faceIds, CancellationToken cancellationToken)
    {
        var vectors = await VectorsAsync(set, faceIds, cancellationToken);
        var levels = FaceScoring.For(set.Profile, set.ModelVersion, vectors, cancellationToken).Levels;
        return faceIds.Count > 0 && levels is { Length: > 0 } l ? l.Min() : null;
    }

    private async Task<string> AnalyseAsync(WorkSet set, int chunk, Doppel.Jobs.IImageAnalyzer analyzer, CancellationToken cancellationToken)
    {
        if (analyzer.EmbeddingModel != set.Model)
            throw new ModelVersionMismatchException($"Set {set.Id} is matched with model {set.Model}; worker {services.WorkerName} runs {analyzer.EmbeddingModel}" +
                (set.Recogniser is null ? $" (the set records no recogniser: start workers with --model {set.Model})." : "."));
        var (version, _) = await services.Work.ClaimModelAsync(set.Id, analyzer.EmbeddingModelVersion, analyzer.DefaultThreshold, cancellationToken);
        if (version != analyzer.EmbeddingModelVersion)
            throw new ModelVersionMismatchException($"Set {set.Id}'s vectors are made by model version {version}; worker {services.WorkerName} has {analyzer.EmbeddingModelVersion} " +
                                                    "(another model file or preprocessing). Vectors of two versions are never mixed in one set: sync this worker's models (--models-container) or re-run the set.");

        await using var lease = await ChunkLease.AcquireAsync(services, $"work/{set.Id}/chunk/{chunk}", cancellationToken);
        var stores = services.Catalog.For(new TenantId(set.Tenant));
        var media = await stores.Media.GetManyAsync(ChunkMedia(set, chunk), cancellationToken);
        // Media processed before (by an earlier set or run) count only with vectors of this version; the others
        // are analysed again rather than matched with vectors of another model. Which of the chunk's faces have one is
        // read for those faces alone (a chunk's few vectors), never as the ids of every face of the model in the catalog.
        var done = media.Where(m => m.State == MediaState.Done).Select(m => m.Id).ToList();
        var doneFaces = await stores.Faces.ListOfMediaAsync(done, cancellationToken);
        var current = new HashSet<long>();
        if (doneFaces.Count > 0)
            await foreach (var e in stores.Faces.ReadEmbeddingsOfFacesAsync(set.Model, version, doneFaces.Select(f => f.Id).ToList(), cancellationToken))
                current.Add(e.FaceId);
        var stale = doneFaces.Where(f => !current.Contains(f.Id)).Select(f => f.MediaId).ToHashSet();
        var todo = media.Where(m => m.State == MediaState.Pending || stale.Contains(m.Id)).ToList();
        if (todo.Count == 0)
            return version;
        if (stale.Count > 0)
        {
            await using var reset = await stores.BeginAsync(lease.Fence, cancellationToken);
            await reset.Media.ResetAsync(stale.ToList(), cancellationToken);
            await reset.CommitAsync(cancellationToken);
        }
        // The application's analysis use case, as dedup runs it in one process: one fenced unit of work for the chunk.
        await new AnalyseMediaHandler(stores, services.MediaStore(todo[0].Source), analyzer)
            .HandleAsync(todo, set.RunId, batchSize: todo.Count, lease.Fence, cancellationToken);
        return version;
    }

    [Queue(JobQueues.Match)]
    [DisplayName("Plan matching of set {0}")]
    public async Task PlanMatching(long setId, CancellationToken cancellationToken)
    {
        var set = await RequireAsync(setId, cancellationToken);
        if (set.IsFinal)
            return;
        var stores = services.Catalog.For(new TenantId(set.Tenant));
        List<(long, long)> faces;
        if (set.ServiceSet is not null)
            // A service set with no image to analyse (every file missing) has no version and no face of its own to match.
            faces = set.ModelVersion is null ? [] : [.. (await ServiceScopeAsync(set, cancellationToken)).Scope.Faces.Select(f => (f.FaceId, f.MediaId))];
        else
        {
            var version = set.ModelVersion ?? throw new InvalidOperationException($"Set {setId} reached matching with no model version recorded.");
            // The faces --min-quality keeps, decided from the stored qualities as a single-process dedup decides it; of
            // those, the ones with a vector of the set's version (asked of these faces only, not the whole catalog).
            var matchable = QualityGate.Split(await stores.Faces.ListOfMediaAsync(set.MediaIds, cancellationToken), set.MinQuality).Matchable;
            var withVector = await stores.Faces.FacesWithEmbeddingAsync(set.Model, version, matchable.Select(f => f.Id).ToList(), cancellationToken);
            faces = matchable.Where(f => withVector.Contains(f.Id)).OrderBy(f => f.Id).Select(f => (f.Id, f.MediaId)).ToList();
        }
        var (ivf, cellReads, cellHeld) = set.Search == WorkSet.SearchIvf && set.Blocks is null ? await PlanCellsAsync(set, faces, cancellationToken) : (null, 0L, 0L);
        var (frozen, blocks) = await services.Work.FreezeFacesAsync(setId, faces, set.BlockSize, cancellationToken, ivf);
        if (blocks == 0)
        {
            services.Jobs.Create<DedupWork>(w => w.Finish(setId, CancellationToken.None), new EnqueuedState(JobQueues.Report));
            return;
        }
        // With a normalising profile the threshold is on the normalised score; the partitions join at the
        // cosine that finds every pair reaching it (threshold + the lowest level), Finish normalises.
        float threshold = set.Threshold ?? throw new InvalidOperationException($"Set {setId} reached matching with no threshold recorded.");
        // A service set's threshold is a raw cosine (HOPE's scores are cosines): no normalisation.
        var (joinAt, levelReads) = set.ServiceSet is not null ? (threshold, 0L) : await JoinAtAsync(set, frozen, threshold, cancellationToken);
        await services.Work.RecordPlanReadsAsync(setId, cellReads + levelReads, Math.Max(cellHeld, levelReads), cancellationToken);
        if (set.Search == WorkSet.SearchIvf)
        {
            for (int range = 0; range < blocks; range++)
            {
                int r = range;
                if (!await services.Work.IsPartitionDoneAsync(setId, r, r, cancellationToken))
                    services.Jobs.Create<DedupWork>(w => w.MatchCells(setId, r, joinAt, CancellationToken.None), new EnqueuedState(JobQueues.Match));
            }
            return;
        }
        foreach (var (row, col) in PartitionJoin.Partitions(blocks))
            if (!await services.Work.IsPartitionDoneAsync(setId, row, col, cancellationToken))
                services.Jobs.Create<DedupWork>(w => w.MatchPartition(setId, row, col, joinAt, CancellationToken.None), new EnqueuedState(JobQueues.Match));
    }

    /// <summary>
    /// The cosine the partitions join at: the threshold plus the lowest level of the set's faces, the lowest of the
    /// chunks' (a level depends on its face alone), so planning reads ids, no vector, for every chunk whose faces are
    /// those it recorded at its commit: the same count and the same checksum of their ids. A chunk whose images another
    /// run analysed again since (new faces, new vectors, new levels), whose faces' qualities or vectors changed the set's
    /// matchable faces, or that recorded nothing (a worker before this), has its lowest level measured again from its
    /// frozen faces' vectors, and only those. Returns the vectors it read.
    /// </summary>
    private async Task<(float JoinAt, long VectorsRead)> JoinAtAsync(WorkSet set, IReadOnlyList<(long FaceId, long MediaId)> frozen, float threshold, CancellationToken cancellationToken)
    {
        if (set.Profile.Normalisation is null)
            return (threshold, 0);
        var chunkOf = new Dictionary<long, int>(set.MediaIds.Length);
        for (int i = 0; i < set.MediaIds.Length; i++)
            chunkOf[set.MediaIds[i]] = i / set.ChunkSize;
        var facesOf = new List<long>[set.Chunks];
        for (int c = 0; c < facesOf.Length; c++)
            facesOf[c] = [];
        foreach (var (face, media) in frozen)
            facesOf[chunkOf[media]].Add(face);
        var recorded = (await services.Work.ReadChunksAsync(set.Id, cancellationToken)).ToDictionary(c => c.Chunk);
        float? lowest = null;
        long read = 0;
        for (int c = 0; c < facesOf.Length; c++)
        {
            float? level;
            if (recorded.TryGetValue(c, out var r) && r.Faces == facesOf[c].Count && r.Checksum == FaceChecksum.Of(facesOf[c]))
                level = r.LowestLevel;
            else
            {
                level = await LowestLevelAsync(set, facesOf[c], cancellationToken);
                read += facesOf[c].Count;
            }
            if (level is { } l && (lowest is null || l < lowest))
                lowest = l;
        }
        return (lowest is { } low ? threshold + low : threshold, read);
    }

    [Queue(JobQueues.Match)]
    [DisplayName("Match set {0}, blocks {1} x {2}")]
    /// <param name="joinAt">The cosine the partitions join at (see <see cref="PlanMatching"/>).</param>
    public async Task MatchPartition(long setId, int rowBlock, int colBlock, float joinAt, CancellationToken cancellationToken)
    {
        await JoinPartitionAsync(setId, rowBlock, colBlock, async set =>
        {
            var (rows, rowStart) = await BlockAsync(set, rowBlock, cancellationToken);
            var (cols, colStart) = rowBlock == colBlock ? (rows, rowStart) : await BlockAsync(set, colBlock, cancellationToken);
            return (PartitionJoin.Join(rows, rowStart, cols, colStart, rowBlock == colBlock, joinAt), rows.Count + (rowBlock == colBlock ? 0 : cols.Count));
        }, cancellationToken);
    }

    /// <summary>One matching partition, idempotently: joined (<paramref name="join"/>) and merged unless it is done; the
    /// last partition to finish enqueues <see cref="Finish"/>.</summary>
    /// <param name="join">The partition's pairs and how many vectors it read (stored with the partition).</param>
    private async Task JoinPartitionAsync(long setId, int row, int col, Func<WorkSet, Task<(List<PartitionPair> Pairs, int VectorsRead)>> join, CancellationToken cancellationToken)
    {
        var set = await RequireAsync(setId, cancellationToken);
        if (set.IsFinal)
            return;
        int done;
        if (await services.Work.IsPartitionDoneAsync(setId, row, col, cancellationToken))
            done = set.PartitionsDone;
        else
        {
            var (pairs, vectorsRead) = await join(set);
            done = await services.Work.SavePartitionAsync(setId, row, col, pairs, services.WorkerName, cancellationToken, vectorsRead);
        }
        if (done >= set.Partitions)
            services.Jobs.Create<DedupWork>(w => w.Finish(setId, CancellationToken.None), new EnqueuedState(JobQueues.Report));
    }

    /// <summary>The vectors of one block of the frozen face order (rows in that order), and its first row's position:
    /// the block's face ids from the frozen order, then those faces' vectors only.</summary>
    private async Task<(VectorSet Vectors, int Start)> BlockAsync(WorkSet set, int block, CancellationToken cancellationToken)
    {
        int start = block * set.BlockSize;
        var faces = await services.Work.ReadFacesAsync(set.Id, start, set.BlockSize, cancellationToken);
        return (await VectorsAsync(set, faces.Select(f => f.FaceId).ToList(), cancellationToken), start);
    }

    /// <summary>The vectors of <paramref name="faceIds"/> (rows in that order), added as a single process adds them
    /// (<see cref="VectorSet.Add"/> normalises the stored vector), so every score is bit-identical to its own. Only
    /// these faces' vectors are read (a partition reads its two blocks, not every vector of the model). With
    /// <paramref name="missingAllowed"/> faces without a vector of the set's version are left out; else one is an error.</summary>
    private async Task<VectorSet> VectorsAsync(WorkSet set, IReadOnlyList<long> faceIds, CancellationToken cancellationToken, bool missingAllowed = false)
    {
        var version = set.ModelVersion ?? throw new InvalidOperationException($"Set {set.Id} has no model version recorded yet.");
        var byFace = new Dictionary<long, float[]>(faceIds.Count);
        await foreach (var e in services.Catalog.For(new TenantId(set.Tenant)).Faces.ReadEmbeddingsOfFacesAsync(set.Model, version, faceIds, cancellationToken))
            byFace[e.FaceId] = e.Vector;
        if (!missingAllowed && byFace.Count < faceIds.Count)
            throw new InvalidOperationException($"Face {faceIds.First(f => !byFace.ContainsKey(f))} of set {set.Id} lost its vector after matching was planned (its image was analysed again); re-run the set.");
        var present = faceIds.Where(byFace.ContainsKey).ToList();
        var result = new VectorSet(present.Count == 0 ? 1 : byFace[present[0]].Length, Math.Max(present.Count, 1));
        foreach (var face in present)
            result.Add(face, byFace[face]);
        return result;
    }

    /// <summary>
    /// The IVF cells of the set, planned once here so every worker joins with the same ones: k-means and probe lists
    /// exactly as the single-process <c>--search ivf</c> computes them over the same vectors in the same (face id) order,
    /// and ranges of consecutive cells probed at most <see cref="WorkSet.BlockSize"/> times each (one job per range).
    /// Never all the vectors at once (<see cref="IvfStreamingPlan"/>): the k-means sample's faces are read to train, then
    /// every face's vector in batches to assign its probe list, each batch let go before the next is read.
    /// </summary>
    private async Task<(IvfFreeze Freeze, long VectorsRead, long MostHeld)> PlanCellsAsync(WorkSet set, IReadOnlyList<(long FaceId, long MediaId)> faces, CancellationToken cancellationToken)
    {
        if (faces.Count < 2)
            return (new IvfFreeze([], faces.Select(_ => Array.Empty<ushort>()).ToList(), [0]), 0, 0);
        var ids = faces.Select(f => f.FaceId).ToList();
        var planner = new IvfStreamingPlan(faces.Count);
        long read = 0;
        var training = await VectorsAsync(set, planner.TrainingRows.Select(r => ids[r]).ToList(), cancellationToken);
        read += training.Count;
        planner.Train(training);
        training = null;
        for (int first = 0; first < ids.Count; first += planner.BatchRows)
        {
            var batch = await VectorsAsync(set, ids.GetRange(first, Math.Min(planner.BatchRows, ids.Count - first)), cancellationToken);
            read += batch.Count;
            planner.Assign(batch);
        }
        // The planner's own probe lists and prober counts: no copy of them, which at ~150 probes a face weigh more than the batch.
        var trained = planner.Centroids!;
        var centroids = new byte[trained.Data.Length * sizeof(float)];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(trained.Data).CopyTo(centroids);
        return (new IvfFreeze(centroids, planner.ProbeLists, [.. planner.Ranges(set.BlockSize).Select(r => r.First), planner.CellCount]), read, planner.MostHeld);
    }

    [Queue(JobQueues.Match)]
    [DisplayName("Match set {0}, cell range {1}")]
    /// <param name="joinAt">The cosine the partitions join at (see <see cref="PlanMatching"/>).</param>
    public async Task MatchCells(long setId, int range, float joinAt, CancellationToken cancellationToken)
    {
        await JoinPartitionAsync(setId, range, range, async set =>
        {
            var bounds = set.CellBounds ?? throw new InvalidOperationException($"Set {setId} has no IVF cells planned; its matching was planned for the exact join.");
            // Every face probing a cell of the range, with its whole probe list: that is all the join of the range needs.
            var probers = await services.Work.ReadProbersAsync(setId, bounds[range], bounds[range + 1], cancellationToken);
            var vectors = await VectorsAsync(set, probers.Select(p => p.FaceId).ToList(), cancellationToken);
            var found = IvfPartitions.JoinRange(vectors, probers.Select(p => p.Cells).ToList(), bounds[^1], bounds[range], bounds[range + 1], joinAt);
            return (found.Select(p => new PartitionPair(probers[p.A].Ord, probers[p.B].Ord, p.Score)).ToList(), vectors.Count);
        }, cancellationToken);
    }

    [Queue(JobQueues.Report)]
    [DisplayName("Finish set {0}: findings")]
    public async Task Finish(long setId, CancellationToken cancellationToken)
    {
        var set = await RequireAsync(setId, cancellationToken);
        if (set.IsFinal)
            return;
        await services.Work.SetStateAsync(setId, WorkState.Finishing, cancellationToken: cancellationToken);
        if (set.ServiceSet is not null)
        {
            await FinishServiceSetAsync(set, cancellationToken);
            await services.Work.SetStateAsync(setId, WorkState.Completed, cancellationToken: cancellationToken);
            return;
        }
        var stores = services.Catalog.For(new TenantId(set.Tenant));
        var (refs, facePairs, scoring, profile, matched) = await ScoringAsync(set, await services.Work.ReadPairsAsync(setId, cancellationToken), cancellationToken);
        var hashOf = (await stores.Media.GetManyAsync(set.MediaIds, cancellationToken)).ToDictionary(m => m.Id, m => m.ContentHash);
        var ignored = (await stores.IgnoredPairs.ListAsync(cancellationToken)).Select(p => (p.HashA, p.HashB)).ToHashSet();
        var grouping = GroupingOf(set.Grouping);
        float threshold = set.Threshold ?? throw new InvalidOperationException($"Set {setId} reached its finish with no threshold recorded.");
        var pairs = DedupMatcher.FromFacePairs(facePairs, refs, hashOf, ignored, grouping, threshold, scoring, matchedFaces: matched).Pairs;

        // Idempotent: a Finish that ran before (killed after its commit) left the catalog set of this run.
        var latest = await stores.Dedup.LatestSetAsync(cancellationToken: cancellationToken);
        long dedupSetId;
        if (latest is not null && latest.RunId == set.RunId)
            dedupSetId = latest.Id;
        else
        {
            await using var unit = await stores.BeginAsync(cancellationToken: cancellationToken);
            var created = await unit.Dedup.CreateSetAsync(set.RunId, cancellationToken: cancellationToken);
            await unit.Dedup.AddFindingsAsync(created.Id, pairs.Select(p => new NewFinding(p.MediaA, p.MediaB, p.FaceA, p.FaceB, p.Score,
                // The same settings a single-process dedup writes, so findings read the same either way.
                DedupMatcher.FindingSettings(set.Model, set.ModelVersion, set.Threshold, profile, grouping, p.Probability))).ToList(), cancellationToken);
            await unit.Runs.FinishAsync(set.RunId, RunState.Completed, cancellationToken: cancellationToken);
            await unit.CommitAsync(cancellationToken);
            dedupSetId = created.Id;
        }
        await services.Work.SetStateAsync(setId, WorkState.Completed, dedupSetId: dedupSetId, cancellationToken: cancellationToken);
    }

    /// <summary>A service set's matching scope, as the application decides it (statuses, usable and approved images'
    /// faces), from the image → media records its start job stored.</summary>
    private async Task<(SetResults Results, DeduplicationSet? Set, IReadOnlyList<SetImage> Images, IReadOnlyDictionary<long, long> MediaOfImage, SetResults.Scope Scope)>
        ServiceScopeAsync(WorkSet set, CancellationToken cancellationToken)
    {
        var results = new SetResults(services.Catalog, SetWork.HandlersOf(services.Catalog));
        var (serviceSet, images) = await results.SetAndImagesAsync(new TenantId(set.Tenant), set.ServiceSet!.Value, cancellationToken);
        if (serviceSet is null)
            throw new InvalidOperationException($"Service set {set.ServiceSet} of work set {set.Id} was deleted while it was processed.");
        var mediaOfImage = await services.Work.ReadImageMediaAsync(set.Id, cancellationToken);
        var scope = await results.ScopeAsync(new TenantId(set.Tenant), serviceSet, images, mediaOfImage, set.Model, set.ModelVersion ?? "", set.Profile, cancellationToken);
        return (results, serviceSet, images, mediaOfImage, scope);
    }

    /// <summary>The fan-in of a service set: its results from the merged pairs, over the faces frozen when matching was planned.</summary>
    private async Task FinishServiceSetAsync(WorkSet set, CancellationToken cancellationToken)
    {
        var (results, _, images, mediaOfImage, scope) = await ServiceScopeAsync(set, cancellationToken);
        var frozen = (await services.Work.ReadFacesAsync(set.Id, cancellationToken)).Select(f => new FaceRef(f.FaceId, f.MediaId)).ToList();
        var pairs = (await services.Work.ReadPairsAsync(set.Id, cancellationToken)).Select(p => new ScoredPair(p.A, p.B, p.Score)).ToList();
        await results.CompleteAsync(new TenantId(set.Tenant), set.ServiceSet!.Value, images, mediaOfImage, scope with { Faces = frozen }, pairs, set.RunId, cancellationToken);
    }

    /// <summary>The set's grouping as stored ("average", "connected", "core").</summary>
    public static GroupingMode GroupingOf(string grouping) => Enum.Parse<GroupingMode>(grouping, ignoreCase: true);

    /// <summary>
    /// What the fan-in scores with: the frozen faces of the paired images (face-id order, as one process orders them),
    /// their vectors only, the profile's scoring over them, and <paramref name="pairs"/> renumbered to those rows. The
    /// scores and groups are a single-process dedup's: a face's level depends on the face alone, and grouping reads the
    /// faces of paired images only (the group cut takes the set's size, returned as Matched). Every other face's vector
    /// stays in the catalog: the fan-in holds the paired images' faces, not the set.
    /// </summary>
    private async Task<(List<FaceRef> Refs, List<ScoredPair> Pairs, FaceScoring Scoring, Doppel.Vision.Embedding.RecognitionProfile Profile, int Matched)> ScoringAsync(
        WorkSet set, IReadOnlyList<PartitionPair> pairs, CancellationToken cancellationToken)
    {
        var faces = await services.Work.ReadFacesAsync(set.Id, cancellationToken);
        var paired = pairs.SelectMany(p => new[] { faces[p.A].MediaId, faces[p.B].MediaId }).ToHashSet();
        var rowOf = new int[faces.Count];
        var kept = new List<(long FaceId, long MediaId)>();
        for (int r = 0; r < faces.Count; r++)
        {
            rowOf[r] = paired.Contains(faces[r].MediaId) ? kept.Count : -1;
            if (rowOf[r] >= 0)
                kept.Add(faces[r]);
        }
        var mediaOf = kept.ToDictionary(f => f.FaceId, f => f.MediaId);
        var embeddings = new Dictionary<long, FaceEmbedding>(kept.Count);
        if (kept.Count > 0)
            await foreach (var e in services.Catalog.For(new TenantId(set.Tenant)).Faces.ReadEmbeddingsOfFacesAsync(set.Model, set.ModelVersion ?? "", mediaOf.Keys, cancellationToken))
                embeddings[e.FaceId] = e;
        var (vectors, refs) = DedupMatcher.VectorsOf(embeddings.Values, e => mediaOf[e.FaceId]);
        if (refs.Count != kept.Count || refs.Select(r => r.FaceId).Zip(kept, (a, f) => a != f.FaceId).Any(x => x))
            throw new InvalidOperationException($"Set {set.Id}'s faces lost vectors after matching was planned (their images were analysed again); re-run the set.");
        var profile = set.Profile;
        // Rows renumbered in order, so the pairs stay sorted by (A, B).
        var renumbered = pairs.Select(p => new ScoredPair(rowOf[p.A], rowOf[p.B], p.Score)).ToList();
        return (refs, renumbered, FaceScoring.For(profile, set.ModelVersion, vectors, cancellationToken), profile, faces.Count);
    }

    private async Task<WorkSet> RequireAsync(long setId, CancellationToken cancellationToken) =>
        await services.Work.GetSetAsync(setId, cancellationToken) ?? throw new InvalidOperationException($"Work set {setId} does not exist (deleted while its jobs were queued).");
}
