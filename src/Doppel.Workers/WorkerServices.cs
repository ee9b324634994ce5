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
/// What the jobs of one worker process share: the catalog, the job graph's state, the media stores, and pools of
/// analysers, one pool per recogniser (a set is analysed with the pipeline of the recogniser it was opened with, so a
/// worker serves sets of every profile): a pool is made at the first job of its recogniser and keeps one pipeline per
/// concurrently running job (a pipeline is not shared between threads).
/// </summary>
/// <param name="analyzerOf">The pipeline of a recogniser (an ensemble's weights kept): the worker's own settings (detector,
/// precision, quality) with that recogniser.</param>
/// <param name="defaultRecogniser">The worker's start recogniser (<c>--model</c>, else the selected profile's), checked
/// before the worker takes a job, and the one for sets that record none.</param>
public sealed class WorkerServices(
    IDoppelDatabase catalog,
    WorkStore work,
    IBackgroundJobClient jobs,
    Func<string, IMediaStore> mediaStoreOf,
    Func<string, IImageAnalyzer> analyzerOf,
    string defaultRecogniser,
    WorkerTimings timings) : IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<IImageAnalyzer>> _pools = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IImageAnalyzer, string> _all = new();

    public IDoppelDatabase Catalog => catalog;
    public WorkStore Work => work;
    public IBackgroundJobClient Jobs => jobs;
    public WorkerTimings Timings => timings;
    public string WorkerName { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>The recogniser of sets that record none (queued before sets recorded theirs).</summary>
    public string DefaultRecogniser => defaultRecogniser;

    public IMediaStore MediaStore(string source) => mediaStoreOf(source);

    /// <summary>Lends a loaded analyser of <paramref name="recogniser"/> (null: <see cref="DefaultRecogniser"/>) for one job;
    /// give it back with <see cref="Return"/>. A model the recogniser needs that this worker lacks is a
    /// <see cref="Doppel.Models.ModelNotInstalledException"/> naming it and its install command: the job fails (and is
    /// retried, by a worker that has it if there is one), nothing of the set is lost.</summary>
    public IImageAnalyzer RentAnalyzer(string? recogniser = null)
    {
        var key = recogniser ?? defaultRecogniser;
        if (_pools.GetOrAdd(key, _ => []).TryTake(out var analyzer))
            return analyzer;
        analyzer = analyzerOf(key);
        try
        {
            analyzer.Load();
        }
        catch
        {
            analyzer.Dispose();
            throw;
        }
        _all[analyzer] = key;
        return analyzer;
    }

    public void Return(IImageAnalyzer analyzer) => _pools[_all[analyzer]].Add(analyzer);

    public void Dispose()
    {
        foreach (var analyzer in _all.Keys)
            analyzer.Dispose();
    }
}
