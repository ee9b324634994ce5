using Doppel.Storage;

namespace Doppel.Workers;

/// <summary>
/// A lease held while one job writes a chunk, renewed in the background. Hangfire gives a job to one worker at
/// a time, but a job can still run twice at once (a worker paused past its invisibility timeout, a fan-out
/// enqueued twice); the lease and its fencing token make the second writer wait, and a writer that lost its
/// lease (paused past expiry) write nothing. A killed holder's lease expires after its time to live, so no lock
/// outlives its process for longer than that.
/// </summary>
internal sealed class ChunkLease : IAsyncDisposable
{
    private readonly ILeaseStore _leases;
    private readonly Lease _lease;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _heartbeat;

    private ChunkLease(ILeaseStore leases, Lease lease, TimeSpan ttl)
    {
        _leases = leases;
        _lease = lease;
        _heartbeat = HeartbeatAsync(ttl);
    }

    public LeaseFence Fence => _lease.Fence;

    /// <summary>Takes the lease, waiting (up to twice its time to live) while another holder has it.</summary>
    public static async Task<ChunkLease> AcquireAsync(WorkerServices services, string name, CancellationToken cancellationToken)
    {
        var ttl = services.Timings.LeaseTimeToLive;
        var holder = LeaseHolder.ThisProcess(name);
        var deadline = DateTime.UtcNow + 2 * ttl;
        while (true)
        {
            var attempt = await services.Catalog.Leases.TryAcquireAsync(name, holder, ttl, cancellationToken: cancellationToken);
            if (attempt.Granted is { } lease)
                return new ChunkLease(services.Catalog.Leases, lease, ttl);
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Lease '{name}' is held by {attempt.HeldBy?.Holder.Host}:{attempt.HeldBy?.Holder.Pid} and was not released or expired within {2 * ttl.TotalSeconds:0} s.");
            await Task.Delay(ttl / 10, cancellationToken);
        }
    }

    private async Task HeartbeatAsync(TimeSpan ttl)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(ttl / 3, _stop.Token);
                // Lost (null): the fenced commit will refuse; nothing to do here but stop renewing.
                if (await _leases.RenewAsync(_lease.Name, _lease.Token, ttl, _stop.Token) is null)
                    return;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception)
        {
            // A dropped connection: the next beat tries again; if none succeeds the lease expires, which the fence notices.
            if (!_stop.IsCancellationRequested)
                await HeartbeatAsync(ttl);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _heartbeat;
        try
        {
            await _leases.ReleaseAsync(_lease.Name, _lease.Token);
        }
        catch (Exception) when (!System.Diagnostics.Debugger.IsAttached)
        {
            // Unreleased, it expires after its time to live; the job's outcome does not depend on it.
        }
        _stop.Dispose();
    }
}
