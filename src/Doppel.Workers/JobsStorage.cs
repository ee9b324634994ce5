using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Doppel.Workers;

/// <summary>
/// Hangfire's storage on PostgreSQL (schema <c>hangfire</c>, created on first use), set up the same way by
/// the enqueuers (CLI, service) and the workers.
/// </summary>
public static class JobsStorage
{
    /// <summary>True for the addresses the job engine runs on: <c>postgres://</c> / <c>postgresql://</c> URIs.</summary>
    public static bool IsPostgres(string address) =>
        address.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || address.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>An Npgsql connection string from a postgres:// URI (user, password, host, port, database, sslmode).</summary>
    public static string ConnectionString(string address)
    {
        if (!IsPostgres(address) || !Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.AbsolutePath.Trim('/').Length == 0)
            throw new ArgumentException($"The job queue needs PostgreSQL: '{address}' is not a postgres://USER@HOST[:PORT]/DATABASE address.");
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')),
        };
        var user = uri.UserInfo.Split(':', 2);
        if (user[0].Length > 0)
            builder.Username = Uri.UnescapeDataString(user[0]);
        if (user.Length == 2)
            builder.Password = Uri.UnescapeDataString(user[1]);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            if (pair.StartsWith("sslmode=", StringComparison.Ordinal))
                builder.SslMode = Enum.Parse<SslMode>(pair["sslmode=".Length..], ignoreCase: true);
        return builder.ConnectionString;
    }

    /// <param name="invisibility">How long a job a worker took stays invisible to others without the worker's
    /// heartbeat (sliding): after a <c>kill -9</c> the job is taken by another worker after this. Hangfire's
    /// distributed locks held by a killed process expire after the same time (see below).</param>
    public static PostgreSqlStorage Create(string connectionString, TimeSpan? invisibility = null)
    {
        var orphanAfter = invisibility ?? TimeSpan.FromMinutes(2);
        var options = new PostgreSqlStorageOptions
        {
            PrepareSchemaIfNecessary = true,
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = orphanAfter,
            // Hangfire.PostgreSql's locks are rows with no heartbeat, broken only when older than this (10 min by
            // default). Every state change holds its job's lock ("job:ID:state-lock") for a moment; a worker killed
            // inside one (right after fetching the job: Enqueued -> Processing) left the lock behind, and the worker
            // that fetched the job next waited on it, heartbeating the job invisible: the job stayed Enqueued for
            // minutes (WorkerFaultTests.AJobWhoseWorkerDiedInsideItsStateChangeRunsAfterOrphanAfter). Hangfire holds
            // its locks for single state changes and scheduler passes, far shorter than any orphan-after we run.
            DistributedLockTimeout = orphanAfter,
            // Idle workers ask for work this often: the latency a new job sees, at one cheap query per queue.
            QueuePollInterval = TimeSpan.FromMilliseconds(500),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }
}
