using System.CommandLine;
using Doppel.Workers;

namespace Doppel.Cli.Infrastructure;

/// <summary>What <c>doppel worker</c> and <c>doppel dedup --distributed</c> share: where the catalog and the job
/// queue are, and opening them.</summary>
public static class Distributed
{
    public const string JobsVariable = "DOPPEL_JOBS_DB";

    public static Option<string?> JobsOption() => new("--jobs-db")
    {
        Description = $"PostgreSQL database of the job queue (postgres://USER@HOST[:PORT]/DB; default: --db when it is PostgreSQL, else ${JobsVariable}).",
    };

    /// <summary>The job queue's address: <c>--jobs-db</c>, the catalog when it is PostgreSQL, or the variable.</summary>
    public static string JobsAddress(string? jobsDb, string catalog) =>
        jobsDb ?? (JobsStorage.IsPostgres(catalog) ? catalog : Environment.GetEnvironmentVariable(JobsVariable))
        ?? throw new ArgumentException($"Distributed work runs on PostgreSQL: give --db postgres://... (or --jobs-db postgres://... / {JobsVariable} beside a catalog file all workers share).");

}
