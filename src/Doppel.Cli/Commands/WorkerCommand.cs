using System.CommandLine;
using Doppel.Cli.Infrastructure;
using Doppel.Jobs;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Doppel.Workers;
using Hangfire;
using Serilog;

namespace Doppel.Cli.Commands;

/// <summary>
/// <c>doppel worker</c>: runs the queued jobs (analysis chunks, matching partitions, findings) of dedup sets that
/// <c>dedup --distributed</c> or the service enqueue, until stopped (Ctrl+C or SIGTERM give running jobs back at
/// once; a killed worker's jobs go to another worker after <c>--orphan-after</c>). Any number of workers on any
/// number of machines share one queue.
/// </summary>
public static class WorkerCommand
{
    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "Catalog: postgres://... or a SQLite file every worker can reach.", Required = true };
        var jobs = Distributed.JobsOption();
        var queues = new Option<string>("--queues")
        {
            Description = $"Concurrency per queue, QUEUE=N,... (queues {string.Join(", ", JobQueues.All)}; one not named gets 0).",
            DefaultValueFactory = _ => JobQueues.DefaultConcurrency,
        };
        var attempts = new Option<int>("--attempts") { Description = "Attempts of a job before it fails and its set with it.", DefaultValueFactory = _ => new WorkerTimings().Attempts };
        var orphanAfter = new Option<double>("--orphan-after")
        {
            Description = "Seconds after which a job whose worker stopped heartbeating (killed, lost) goes to another worker, and a Hangfire lock it held is broken.",
            DefaultValueFactory = _ => 120,
        };
        var mediaOption = new Option<string?>("--media")
        {
            Description = "The blob container the sets' images are in (az://CONTAINER or https://ACCOUNT.blob.core.windows.net/CONTAINER[?SAS]); local folders need none (their paths must be the same on every worker).",
        };
        var leaseTtl = new Option<double>("--lease-ttl") { Description = "Seconds a chunk lease lives without a heartbeat.", DefaultValueFactory = _ => new WorkerTimings().LeaseTimeToLive.TotalSeconds };
        var pipeline = PipelineOptions.Create();
        pipeline.Model.Description = "The recogniser whose models are checked at start, and the one for sets that record none (queued before sets recorded theirs); " +
                                     "every other set runs on the recogniser it was queued with (a service set's: its profile's). Default: the selected profile's.";
        // --quality: faces get the stored quality a single-process dedup gives them, which --min-quality of a set reads.
        var quality = new QualityOptions(withMinimum: false);
        var command = new Command("worker", "Run queued dedup work (Hangfire on PostgreSQL) until stopped.") { db, jobs, mediaOption, queues, attempts, orphanAfter, leaseTtl };
        pipeline.AddTo(command);
        quality.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            Logging.Configure("worker");
            var concurrency = JobQueues.ParseConcurrency(parse.GetValue(queues)!);
            var catalogAddress = parse.GetValue(db)!;
            var jobsConnection = JobsStorage.ConnectionString(Distributed.JobsAddress(parse.GetValue(jobs), catalogAddress));
            if (parse.GetValue(attempts) < 1)
                throw new ArgumentException("--attempts must be at least 1.");
            var timings = new WorkerTimings
            {
                Attempts = parse.GetValue(attempts),
                LeaseTimeToLive = TimeSpan.FromSeconds(parse.GetValue(leaseTtl)),
            };

            var container = parse.GetValue(mediaOption) is { } address ? Engines.MediaFor([address]).Store : null;
            // Workers often start with (or before) the database: wait for it rather than exit.
            await using var work = await Transient.RetryAsync(() => WorkStore.OpenAsync(jobsConnection, cancellationToken),
                m => Console.Error.WriteLine(m), cancellationToken: cancellationToken);
            await using var catalog = await Transient.RetryAsync(() => Doppel.Application.CatalogDatabases.OpenAsync(catalogAddress, cancellationToken),
                m => Console.Error.WriteLine(m), cancellationToken: cancellationToken);
            var storage = JobsStorage.Create(jobsConnection, TimeSpan.FromSeconds(parse.GetValue(orphanAfter)));
            var recipe = pipeline.Recipe(parse);
            using var services = new WorkerServices(catalog, work, new BackgroundJobClient(storage),
                source => source == MediaSources.File ? LocalFolderMediaStore.Instance
                    : container is not null && container.Source == source ? container
                    : throw new CatalogException($"The set's images are in {source}; start this worker with --media {source} (and its credentials)."),
                // Each set on the pipeline of the recogniser it was opened with (its profile's): this worker's detector,
                // precision and --quality, the set's recogniser, and that recogniser's quality assessor unless --quality names one.
                recogniser => new FacePipelineAnalyzer(quality.Apply(parse, recipe.WithEmbedder(recogniser))), recipe.Embedder, timings);
            // Models first: a missing or corrupt model file of the worker's own recogniser stops it here, before it takes a
            // job; another profile's models are opened at the first set that needs them.
            if (concurrency.GetValueOrDefault(JobQueues.Analyse) > 0)
                services.Return(services.RentAnalyzer());

            await using (new WorkerHost(storage, services, concurrency))
            {
                var line = $"Worker {services.WorkerName} on {catalog.Location}: queues {string.Join(", ", concurrency.Where(q => q.Value > 0).Select(q => $"{q.Key}={q.Value}"))}.";
                Console.Error.WriteLine(line);
                Log.Information("{Message}", line);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine("Stopping: running jobs go back to the queue.");
                }
            }
            return 0;
        });
        return command;
    }
}
