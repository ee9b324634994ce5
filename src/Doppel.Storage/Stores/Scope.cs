namespace Doppel.Storage;

/// <summary>
/// Who a row belongs to. Every record a store reads or writes is scoped by a tenant (the HOPE
/// engine's "system": one registration system, one customer); the CLI works as <see cref="Default"/>,
/// which migration 5 gives every row that existed before tenants.
/// </summary>
public readonly record struct TenantId(long Value)
{
    public static TenantId Default { get; } = new(1);

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record Tenant(TenantId Id, string Name, DateTimeOffset CreatedAt);

/// <summary>
/// Where a media file lives: a source (a media store: <see cref="MediaSources.File"/> for local
/// folders, a container URI for blob storage) and a key inside it (a full path for folders, a blob
/// name for containers). With the tenant and the content hash it identifies a media record; the same
/// bytes under two keys are two records (a copy), the same key with new bytes is a changed record.
/// </summary>
public readonly record struct MediaKey(string Source, string Key)
{
    public override string ToString() => Source == MediaSources.File ? Key : $"{Source}/{Key}";
}

public static class MediaSources
{
    /// <summary>The local file system: keys are full paths. Every media row from before schema 5 is here.</summary>
    public const string File = "file";
}

/// <summary>
/// A window of a listing by id: rows with id greater than <see cref="AfterId"/>, at most
/// <see cref="Limit"/> of them, in id order (keyset paging: stable while rows are added).
/// </summary>
public readonly record struct Page(long AfterId = 0, int Limit = int.MaxValue)
{
    public static Page All { get; } = new(0, int.MaxValue);
}

/// <summary>
/// Proof that a writer still holds a lease: the lease's name and the fencing token it was granted.
/// A unit of work begun with a fence checks, inside its own transaction, that the lease still has
/// this token, and refuses to begin (<see cref="LeaseLostException"/>) when another holder took it
/// over since; so a paused process that wakes after losing its lease writes nothing.
/// </summary>
public readonly record struct LeaseFence(string Name, long Token);

/// <summary>The lease a write depends on was taken over by another holder (see <see cref="LeaseFence"/>).</summary>
public sealed class LeaseLostException(string name, long token, string detail)
    : CatalogException($"Lease '{name}' (token {token}) is no longer held: {detail}. Nothing was written; this process must stop and the work be re-run or left to the new holder.")
{
    public string LeaseName { get; } = name;
    public long Token { get; } = token;
}

/// <summary>A row this tenant does not have (absent, or another tenant's: the two look the same).</summary>
public sealed class RecordNotFoundException(string what) : CatalogException(what);

/// <summary>What a process can tell about a lease holder from where it runs.</summary>
public static class LeaseHolders
{
    /// <summary>A holder on this host whose process is gone will never renew: no need to wait for its expiry.</summary>
    public static bool IsDeadOnThisHost(Lease lease)
    {
        if (lease.Holder.Host != Environment.MachineName || lease.Holder.Pid == Environment.ProcessId)
            return false;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(lease.Holder.Pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>The lease as the CLI's lock messages name a holder.</summary>
    public static LockOwner ToOwner(this Lease lease) =>
        new(lease.Name, lease.Holder.Purpose, lease.Holder.Pid, lease.Holder.Host, lease.Token.ToString(System.Globalization.CultureInfo.InvariantCulture),
            lease.AcquiredAt, lease.RenewedAt);
}
