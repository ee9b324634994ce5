using System.Collections.Concurrent;
using Doppel.Jobs;
using Doppel.Storage;
using Doppel.Storage.Media;
using Hangfire;

namespace Doppel.Workers;

/// <summary>Tuning of the job graph; the defaults suit a production cluster, tests shorten the times.</summary>
public sealed record WorkerTimings
{
    /// <summary>How long a chunk's lease lives without a heartbeat: a killed worker's chunk is free again after this.</summary>
    public TimeSpan LeaseTimeToLive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts of a job before it lands in Hangfire's failed state and its set fails.</summary>
    public int Attempts { get; init; } = 5;

    /// <summary>Waits between attempts (the last repeats). Short: the usual cause is a worker or a database restart.</summary>
    public IReadOnlyList<int> RetryDelaysSeconds { get; init; } = [2, 5, 15, 30, 60];
}

/// <summary>
/// What the jobs of one worker process share: the catalog, the job graph's state, the media stores, and a pool
/// of analysers (one per concurrently running analysis job: a pipeline is not shared between threads).
/// </summary>
public sealed class WorkerServices(
    IDoppelDatabase catalog,
    WorkStore work,
    IBackgroundJobClient jobs,
    Func<string, IMediaStore> mediaStoreOf,
    Func<IImageAnalyzer> analyzerFactory,
    WorkerTimings timings) : IDisposable
{
    private readonly ConcurrentBag<IImageAnalyzer> _analyzers = [];
    private readonly ConcurrentBag<IImageAnalyzer> _all = [];

    public IDoppelDatabase Catalog => catalog;
    public WorkStore Work => work;
    public IBackgroundJobClient Jobs => jobs;
    public WorkerTimings Timings => timings;
    public string WorkerName { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    public IMediaStore MediaStore(string source) => mediaStoreOf(source);

    /// <summary>Lends an analyser (loaded) for one job; give it back with <see cref="Return"/>.</summary>
    public IImageAnalyzer RentAnalyzer()
    {
        if (_analyzers.TryTake(out var analyzer))
            return analyzer;
        analyzer = analyzerFactory();
        _all.Add(analyzer);
        analyzer.Load();
        return analyzer;
    }

    public void Return(IImageAnalyzer analyzer) => _analyzers.Add(analyzer);

    public void Dispose()
    {
        foreach (var analyzer in _all)
            analyzer.Dispose();
    }
}
