using Doppel.Application.Webhooks;
using Doppel.Models;
using Doppel.Models.Publishing;
using Microsoft.Extensions.Logging;

namespace Doppel.Service;

/// <summary>What <c>doppel serve</c> runs with. Defaults are the embedded setup: SQLite file, local media folder.</summary>
public sealed record ServiceOptions
{
    /// <summary>Where to listen; port 0 picks a free one (tests).</summary>
    public string Urls { get; init; } = "http://127.0.0.1:8080";

    public required string Database { get; init; }

    /// <summary>The folder image keys (HOPE's <c>filename</c>) are relative to; uploads go under <c>uploads/</c> in it.</summary>
    public required string MediaFolder { get; init; }

    /// <summary>Largest request body (JSON, uploads) in bytes: a bigger one is answered 413.</summary>
    public long MaxRequestBytes { get; init; } = 16 << 20;

    /// <summary>Largest uploaded image in bytes (413 above).</summary>
    public long MaxUploadBytes { get; init; } = 10 << 20;

    public WebhookPolicy Webhooks { get; init; } = new();

    /// <summary>How often due webhook deliveries are looked for.</summary>
    public TimeSpan WebhookPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The least severe log line written (JSON on stdout, one line per request at Information).</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>The job database (<c>postgres://…</c>) of <c>doppel worker</c> processes: set processing is queued
    /// there as Hangfire jobs and Hangfire's dashboard is mounted at <c>/admin/jobs</c> for administrators. Null: sets
    /// are processed in this process (the embedded SQLite setup).</summary>
    public string? JobsDatabase { get; init; }

    /// <summary>With <see cref="JobsDatabase"/>: images of a set per analysis job on the workers.</summary>
    public int SetChunkSize { get; init; } = 64;

    /// <summary>With <see cref="JobsDatabase"/>: faces per matching block of a set (a matching job joins two blocks).</summary>
    public int SetBlockSize { get; init; } = 16384;

    /// <summary>Sign-in attempts of the admin page per client address and minute (429 above): with the PBKDF2 hashes'
    /// cost this bounds both password guessing and the CPU a client can make the service spend.</summary>
    public int AdminSignInsPerMinute { get; init; } = 10;

    /// <summary>The models container (<c>--models-container</c>) the admin page publishes to; null: publishing is off
    /// and the Models view only lists the catalogue.</summary>
    public IModelContainer? ModelsContainer { get; init; }

    /// <summary>The model cache published files are read from (<c>DOPPEL_MODELS</c>, else ~/.cache/doppel/models).</summary>
    public string ModelCache { get; init; } = ModelStore.CacheRoot;

    /// <summary>Open the face models at start (readiness reports them); off for tests that never process.</summary>
    public bool LoadModelsAtStart { get; init; } = true;
}
