using Doppel.Storage;

namespace Doppel.Application;

/// <summary>
/// A lease this process holds while a use case runs: renewed in the background well inside its time to
/// live, released on dispose. Writes that must not outlive it go through units of work begun with
/// <see cref="Fence"/>, so once another process has taken it over (this one paused or partitioned past
/// its expiry) they are refused instead of landing.
/// </summary>
public sealed class HeldLease : IAsyncDisposable
{
    /// <summary>How long a lease lives without renewal: a killed process on another host blocks its work this long.</summary>
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromMinutes(2);

    private readonly ILeaseStore _leases;
    private readonly Timer _timer;
    private readonly TimeSpan _timeToLive;
    private int _disposed;

    public Lease Lease { get; }

    /// <summary>The holder this grant replaced (expired, or a dead process on this host), if any.</summary>
    public Lease? Replaced { get; }

    public LeaseFence Fence => Lease.Fence;

    /// <summary>False once a renewal found the lease taken over.</summary>
    public bool IsHeld { get; private set; } = true;

    private HeldLease(ILeaseStore leases, Lease lease, Lease? replaced, TimeSpan timeToLive)
    {
        _leases = leases;
        Lease = lease;
        Replaced = replaced;
        _timeToLive = timeToLive;
        var every = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, timeToLive.Ticks / 4));
        _timer = new Timer(_ => Renew(), null, every, every);
    }

    /// <summary>Takes the lease or throws <see cref="CatalogLockedException"/> naming its holder. A holder that is
    /// a dead process on this host is replaced at once; any other waits for its expiry.</summary>
    public static async Task<HeldLease> AcquireAsync(IDoppelDatabase db, string name, string purpose, TimeSpan? timeToLive = null,
        CancellationToken cancellationToken = default)
    {
        var ttl = timeToLive ?? DefaultTimeToLive;
        var holder = LeaseHolder.ThisProcess(purpose);
        var attempt = await db.Leases.TryAcquireAsync(name, holder, ttl, null, cancellationToken).ConfigureAwait(false);
        if (!attempt.Succeeded && attempt.HeldBy is { } current && LeaseHolders.IsDeadOnThisHost(current))
            attempt = await db.Leases.TryAcquireAsync(name, holder, ttl, current.Token, cancellationToken).ConfigureAwait(false);
        if (attempt.Granted is not { } granted)
            throw new CatalogLockedException(db.Location, attempt.HeldBy!.ToOwner());
        return new HeldLease(db.Leases, granted, attempt.Replaced, ttl);
    }

    private void Renew()
    {
        if (Volatile.Read(ref _disposed) != 0 || !IsHeld)
            return;
        try
        {
            if (_leases.RenewAsync(Lease.Name, Lease.Token, _timeToLive).GetAwaiter().GetResult() is null)
                IsHeld = false;
        }
        catch (Exception e) when (e is CatalogException or InvalidOperationException or System.Data.Common.DbException)
        {
            // A busy database delays this beat; the next one retries well before the lease expires.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _timer.DisposeAsync().ConfigureAwait(false);
        if (!IsHeld)
            return;
        try
        {
            await _leases.ReleaseAsync(Lease.Name, Lease.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (DatabaseFaults.IsUnavailable(e))
        {
            // The database went away with the work: release once it answers again, so the next holder (often this
            // process, resuming the same work) need not wait out the time to live. Past it the lease has expired anyway.
            var (leases, lease) = (_leases, Lease);
            _ = DatabaseFaults.RetryWhileUnavailableAsync(() => leases.ReleaseAsync(lease.Name, lease.Token), TimeSpan.FromSeconds(1), _timeToLive);
            throw;
        }
    }
}
