using System.Text.Json;
using Doppel.Storage;

namespace Doppel.Application.Sets;

/// <summary>
/// Turns a set's state change into the deliveries it owes, stored before anyone is called (so a crash loses
/// none): Doppel's signed JSON webhook to each of the tenant's endpoints, and HOPE's plain GET of the set's
/// <c>notification_url</c> when processing starts and when it ends (docs/hde-api.md). Called after the state
/// change committed, so a client reacting to the end notification reads the final state.
/// </summary>
public sealed class SetEvents(IDoppelDatabase db, TimeProvider? clock = null)
{
    public const string StateChanged = "set.state_changed";

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task StateChangedAsync(DeduplicationSet set, SetState oldState, CancellationToken cancellationToken = default)
    {
        var sets = db.SetsFor(set.Tenant);
        long images = await sets.CountImagesAsync(set.Id, cancellationToken);
        var findings = await sets.ListFindingsAsync(set.Id, null, new SetFindingQuery { Limit = 1 }, cancellationToken);
        var duplicates = await sets.ListFindingsAsync(set.Id, null, new SetFindingQuery { Limit = 1, StatusCode = 200 }, cancellationToken);
        var payload = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["event"] = StateChanged,
            ["set_id"] = set.Id,
            ["group"] = set.GroupKey,
            ["old_state"] = oldState.ToString(),
            ["new_state"] = set.State.ToString(),
            ["error"] = set.Error,
            ["counts"] = new Dictionary<string, long> { ["images"] = images, ["findings"] = findings.Count, ["duplicates"] = duplicates.Count },
            ["time"] = _clock.GetUtcNow(),
        });
        foreach (var endpoint in await db.Webhooks.ListEndpointsAsync(set.Tenant, cancellationToken))
            await db.Webhooks.EnqueueAsync(set.Tenant, DeliveryKind.Signed, endpoint.Id, endpoint.Url, StateChanged, payload, set.Id, cancellationToken);
        bool starts = set.State == SetState.Processing;
        bool ends = oldState == SetState.Processing;
        if (!string.IsNullOrEmpty(set.NotificationUrl) && (starts || ends))
            await db.Webhooks.EnqueueAsync(set.Tenant, DeliveryKind.HopeGet, null, set.NotificationUrl, StateChanged, payload, set.Id, cancellationToken);
    }
}

/// <summary>Where processing requests go: in-process now (the service's background worker); a Hangfire enqueue later.</summary>
public interface ISetProcessingQueue
{
    ValueTask EnqueueAsync(TenantId tenant, Guid setId, CancellationToken cancellationToken = default);
}
