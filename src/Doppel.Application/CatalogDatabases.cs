using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;

namespace Doppel.Application;

/// <summary>
/// Opens the catalog a setting names (<c>--db</c> or <c>DOPPEL_DB</c>): a file path is SQLite; a URI whose
/// scheme an engine registered (<c>postgres://</c>, by the PostgreSQL project at start-up) goes to that engine.
/// </summary>
public static class CatalogDatabases
{
    private static readonly Dictionary<string, Func<string, CancellationToken, Task<IDoppelDatabase>>> Engines = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Makes <paramref name="scheme"/> URIs (e.g. "postgres", "postgresql") open with <paramref name="open"/>.</summary>
    public static void Register(string scheme, Func<string, CancellationToken, Task<IDoppelDatabase>> open)
    {
        lock (Engines)
            Engines[scheme] = open;
    }

    /// <summary>The setting of the environment (<c>DOPPEL_DB</c>) or <paramref name="fallback"/>.</summary>
    public static string Setting(string? given, string fallback) =>
        given ?? (Environment.GetEnvironmentVariable("DOPPEL_DB") is { Length: > 0 } configured ? configured : fallback);

    public static bool IsUri(string setting, out string scheme)
    {
        var at = setting.IndexOf("://", StringComparison.Ordinal);
        scheme = at > 0 ? setting[..at] : "";
        return at > 1; // "C://x" would be a drive letter, not a scheme
    }

    public static async Task<IDoppelDatabase> OpenAsync(string setting, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(setting);
        if (IsUri(setting, out var scheme))
        {
            Func<string, CancellationToken, Task<IDoppelDatabase>>? open;
            lock (Engines)
                Engines.TryGetValue(scheme, out open);
            if (open is null)
                throw new CatalogException($"No catalog engine for '{scheme}://' in this build (known: a SQLite file path{string.Concat(Engines.Keys.Select(k => $", {k}://"))}).");
            return await open(setting, cancellationToken).ConfigureAwait(false);
        }
        return SqliteDatabase.Open(setting);
    }

    /// <summary>The name of a lease of one tenant: the CLI's tenant keeps the historic names ("ingest", "persons").</summary>
    public static string LeaseName(TenantId tenant, string name) => tenant == TenantId.Default ? name : $"tenant-{tenant}/{name}";
}
