using Doppel.Jobs;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace Doppel.Workers.Tests;

/// <summary>
/// A set's job graph run in this process, one job at a time in the order queued, with the jobs' own code: each queued
/// <see cref="DedupWork"/> call is invoked as Hangfire's performer invokes it. A test stops between two jobs to change
/// the catalog at an exact point of the graph (a race a worker pool would hit only by chance).
/// </summary>
internal sealed class InProcessGraph : IBackgroundJobClient, IAsyncDisposable
{
    private readonly Queue<Job> _queued = new();
    private readonly WorkerServices _services;

    private InProcessGraph(IDoppelDatabase catalog, WorkStore work, IImageAnalyzer analyzer)
    {
        var counting = new CountingDatabase(catalog);
        Catalog = counting;
        Work = work;
        _services = new WorkerServices(counting, work, this, _ => LocalFolderMediaStore.Instance, _ => analyzer, analyzer.Recogniser, new WorkerTimings());
    }

    /// <summary>The catalog, counting the vectors read through it (<see cref="VectorsRead"/>).</summary>
    public IDoppelDatabase Catalog { get; }

    /// <summary>Vectors read through <see cref="Catalog"/> so far, by the jobs and the test alike.</summary>
    public long VectorsRead => ((CountingDatabase)Catalog).Reads.Read;

    /// <summary>Face ids listed model-wide through <see cref="Catalog"/> so far (every face of a model version in the catalog).</summary>
    public long IdsListed => ((CountingDatabase)Catalog).Reads.Listed;
    public WorkStore Work { get; }

    /// <summary>A SQLite catalog in <paramref name="directory"/> and the job graph's state in PostgreSQL at <paramref name="jobs"/>.</summary>
    public static async Task<InProcessGraph> OpenAsync(string directory, string jobs, IImageAnalyzer analyzer, CancellationToken ct) =>
        new(await Doppel.Application.CatalogDatabases.OpenAsync(Path.Combine(directory, "catalog.db"), ct), await WorkStore.OpenAsync(jobs, ct), analyzer);

    /// <summary>Registers the folder's images and queues their set as <c>dedup --distributed</c> does.</summary>
    public Task<QueuedFolderSet> EnqueueAsync(FolderDedupRequest request, CancellationToken ct) =>
        FolderSets.EnqueueAsync(Catalog, LocalFolderMediaStore.Instance, new HangfireJobQueue(Work, this), request, cancellationToken: ct);

    /// <summary>The work set's id of <paramref name="queued"/>.</summary>
    public static long IdOf(QueuedFolderSet queued) => long.Parse(queued.Id, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The jobs queued and not run yet, oldest first.</summary>
    public IReadOnlyList<Job> Queued => [.. _queued];

    /// <summary>Runs queued jobs (and those they queue) until the next one is a call of <paramref name="method"/>, or none is left.</summary>
    public async Task RunUntilAsync(string? method, CancellationToken ct)
    {
        while (_queued.TryPeek(out var next) && next.Method.Name != method)
        {
            _queued.Dequeue();
            var args = next.Args.Select(a => a is CancellationToken ? ct : a).ToArray();
            await (Task)next.Method.Invoke(new DedupWork(_services), args)!;
        }
    }

    public Task RunAllAsync(CancellationToken ct) => RunUntilAsync(null, ct);

    string IBackgroundJobClient.Create(Job job, IState state)
    {
        _queued.Enqueue(job);
        return _queued.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    bool IBackgroundJobClient.ChangeState(string jobId, IState state, string expectedState) =>
        throw new NotSupportedException("The in-process graph only queues jobs.");

    public async ValueTask DisposeAsync()
    {
        _services.Dispose();
        await Work.DisposeAsync();
        await Catalog.DisposeAsync();
    }
}
