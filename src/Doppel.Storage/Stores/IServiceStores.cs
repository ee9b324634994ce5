namespace Doppel.Storage;

/// <summary>What an API token may do: <see cref="Read"/> reads, <see cref="Write"/> also changes a tenant's sets,
/// images and findings, <see cref="Admin"/> also manages its groups' settings, tokens and webhooks. Ordered: a
/// higher scope includes the lower ones.</summary>
public enum TokenScope
{
    Read = 0,
    Write = 1,
    Admin = 2,
}

/// <summary>An API token as stored: only the SHA-256 of its secret is kept (the secret is shown once, at
/// creation); <see cref="Prefix"/> (its first characters) lets a person tell tokens apart in listings.</summary>
public sealed record ApiToken(long Id, TenantId Tenant, string Name, string Prefix, TokenScope Scope,
    DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public bool IsRevoked => RevokedAt is not null;
}

/// <summary>Who may sign in to the admin page: administrators see and change everything; reviewers read sets and decide findings.</summary>
public enum AdminRole
{
    Reviewer,
    Admin,
}

/// <summary>A user of the admin page. <see cref="PasswordHash"/> is a self-describing PBKDF2 string, never the password.</summary>
public sealed record AdminUser(long Id, string Name, AdminRole Role, string PasswordHash, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt);

/// <summary>Users of the admin page, shared by every tenant (an administrator works across tenants).</summary>
public interface IAdminUserStore
{
    /// <summary>Adds a user; a name already taken (case-insensitive) throws <see cref="StoreConflictException"/>.</summary>
    Task<AdminUser> AddAsync(string name, AdminRole role, string passwordHash, CancellationToken cancellationToken = default);

    Task<AdminUser?> FindAsync(string name, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AdminUser>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces the password hash; false when there is no such user.</summary>
    Task<bool> SetPasswordAsync(string name, string passwordHash, CancellationToken cancellationToken = default);
}

/// <summary>API tokens of every tenant (a request's token is looked up before its tenant is known).</summary>
public interface IApiTokenStore
{
    Task<ApiToken> CreateAsync(TenantId tenant, string name, string prefix, string secretHash, TokenScope scope, CancellationToken cancellationToken = default);

    /// <summary>The token whose secret hashes to <paramref name="secretHash"/> (revoked ones too: the caller decides), or null.</summary>
    Task<ApiToken?> FindByHashAsync(string secretHash, CancellationToken cancellationToken = default);

    Task<ApiToken?> GetAsync(TenantId tenant, long id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ApiToken>> ListAsync(TenantId tenant, CancellationToken cancellationToken = default);

    /// <summary>Revokes a token of this tenant; false when it has none with this id (or it was revoked already).</summary>
    Task<bool> RevokeAsync(TenantId tenant, long id, CancellationToken cancellationToken = default);

    /// <summary>Records a use (at most once a minute per token, so reads stay reads).</summary>
    Task TouchAsync(long id, CancellationToken cancellationToken = default);
}

/// <summary>
/// The life cycle of a deduplication set, with the HOPE engine's state names (see docs/hde-api.md).
/// Which moves are legal is the application's <c>SetTransitions</c> table; the store only applies a move
/// atomically from the state the caller saw.
/// </summary>
public enum SetState
{
    Ready,
    Modified,
    Processing,
    Failed,
    Inactive,
    Rejected,
}

/// <summary>A group (the HOPE engine's programme): named by the <see cref="ReferencePk"/> its registration system
/// gave it, with its settings as JSON (snapshotted into each set at creation).</summary>
public sealed record SetGroup(long Id, TenantId Tenant, string ReferencePk, string SettingsJson, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// A deduplication set as the service manages it: a group's batch of registered images with a state, the
/// settings it runs with (a snapshot of the group's at creation) and, once processed, its findings. Not to be
/// confused with <see cref="DedupSet"/>, which records one dedup run's finding rows for the CLI.
/// </summary>
public sealed record DeduplicationSet(
    Guid Id,
    TenantId Tenant,
    long GroupId,
    string GroupKey,
    SetState State,
    string? Error,
    string? NotificationUrl,
    string SettingsJson,
    long? RunId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Approved or rejected: the set is history, its group may open a new one.</summary>
    public bool IsClosed => State is SetState.Inactive or SetState.Rejected;
}

/// <summary>An image registered in a set under the registration system's <see cref="ReferencePk"/>, stored at
/// <see cref="Filename"/> in the media store. <see cref="StatusCode"/> is the HOPE status once processed
/// (200 usable; 404, 412, 416, 417, 418, 429, 500 a problem).</summary>
public sealed record SetImage(long Id, Guid SetId, string ReferencePk, string Filename, long? MediaId, int? StatusCode,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record NewSetImage(string ReferencePk, string Filename);

/// <summary>What a processing run learned about one image.</summary>
public sealed record SetImageResult(long ImageId, long? MediaId, int StatusCode);

public enum FindingDecision
{
    Confirmed,
    NotDuplicate,
}

/// <summary>A finding of a set: a duplicate pair (<see cref="StatusCode"/> 200) or, with no second image, a
/// per-image problem (404, 412...). <see cref="Score"/> is the best face pair's cosine similarity,
/// <see cref="Confidence"/> its 0–1 confidence (0.5 at the model's calibrated dedup threshold).</summary>
public sealed record SetFinding(
    long Id,
    Guid SetId,
    long FirstImageId,
    string FirstReferencePk,
    string FirstFilename,
    long? SecondImageId,
    string SecondReferencePk,
    string SecondFilename,
    float Score,
    float Confidence,
    int StatusCode,
    DateTimeOffset UpdatedAt,
    FindingDecision? Decision,
    string? DecidedBy,
    DateTimeOffset? DecidedAt);

public sealed record NewSetFinding(long FirstImageId, long? SecondImageId, float Score, float Confidence, int StatusCode);

/// <summary>A findings listing's filters (all optional) and window (offset paging, <see cref="Limit"/> required).</summary>
public sealed record SetFindingQuery
{
    /// <summary>Findings naming any of these image reference ids (first or second).</summary>
    public IReadOnlyList<string>? ReferencePks { get; init; }
    public int? StatusCode { get; init; }
    public float? MinScore { get; init; }
    public DateTimeOffset? UpdatedAfter { get; init; }
    public DateTimeOffset? UpdatedBefore { get; init; }
    /// <summary>Only findings without a reviewer decision (true) or only decided ones (false).</summary>
    public bool? Undecided { get; init; }
    /// <summary>Leaves out pairs a reviewer declared not duplicates (what HOPE's client must no longer see).</summary>
    public bool ExcludeNotDuplicate { get; init; }
    public long Offset { get; init; }
    public int Limit { get; init; } = 100;
}

public sealed record FindingsPage(long Count, IReadOnlyList<SetFinding> Items);

/// <summary>How a pair a reviewer declared different people is named: by image reference ids or file names.</summary>
public enum IgnoredKeyKind
{
    ReferencePk,
    Filename,
}

public sealed record SetIgnoredPair(long Id, long GroupId, IgnoredKeyKind Kind, string First, string Second, string? CreatedBy, DateTimeOffset CreatedAt);

/// <summary>
/// The service's records of one tenant: groups, deduplication sets with their images and findings, and the
/// pairs reviewers declared different (kept per group, so they hold for every later set of the group).
/// Every method is confined to the tenant: another tenant's row reads as absent.
/// </summary>
public interface ISetStore
{
    TenantId Tenant { get; }

    /// <summary>The group named <paramref name="referencePk"/>, created with <paramref name="defaultSettingsJson"/> when absent.</summary>
    Task<SetGroup> GetOrCreateGroupAsync(string referencePk, string defaultSettingsJson, CancellationToken cancellationToken = default);

    Task<SetGroup?> FindGroupAsync(string referencePk, CancellationToken cancellationToken = default);

    Task<SetGroup?> GetGroupAsync(long groupId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SetGroup>> ListGroupsAsync(long offset, int limit, CancellationToken cancellationToken = default);

    Task<long> CountGroupsAsync(CancellationToken cancellationToken = default);

    Task UpdateGroupSettingsAsync(long groupId, string settingsJson, CancellationToken cancellationToken = default);

    /// <summary>A new set (state <see cref="SetState.Ready"/>); <see cref="StoreConflictException"/> when the group
    /// has a set that is not closed (one active set per group).</summary>
    Task<DeduplicationSet> CreateSetAsync(long groupId, string? notificationUrl, string settingsJson, CancellationToken cancellationToken = default);

    Task<DeduplicationSet?> GetSetAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>The group's set that is not closed, or null.</summary>
    Task<DeduplicationSet?> FindActiveSetAsync(long groupId, CancellationToken cancellationToken = default);

    /// <summary>The set a group's key names: its open set, else its newest (<see cref="ListSetsAsync"/>'s order); null
    /// when the group does not exist or has none. An engine answers it in one statement: every request that names a set by
    /// its group key (HOPE's paths) resolves it.</summary>
    async Task<DeduplicationSet?> FindSetOfGroupAsync(string referencePk, CancellationToken cancellationToken = default)
    {
        var group = await FindGroupAsync(referencePk, cancellationToken);
        return group is null ? null
            : await FindActiveSetAsync(group.Id, cancellationToken) ?? (await ListSetsAsync(group.Id, null, 0, 1, cancellationToken)).FirstOrDefault();
    }

    /// <summary>Sets newest first (of one group, or all; only in these states when given).</summary>
    Task<IReadOnlyList<DeduplicationSet>> ListSetsAsync(long? groupId, IReadOnlyCollection<SetState>? states, long offset, int limit, CancellationToken cancellationToken = default);

    Task<long> CountSetsAsync(long? groupId, IReadOnlyCollection<SetState>? states, CancellationToken cancellationToken = default);

    /// <summary>Sets of every tenant in a state (what a restarted service resumes).</summary>
    Task<IReadOnlyList<DeduplicationSet>> ListAllTenantsInStateAsync(SetState state, CancellationToken cancellationToken = default);

    /// <summary>Moves the set to <paramref name="to"/> if it is still in one of <paramref name="from"/> (compare and set,
    /// so two racing requests cannot both move it); <paramref name="error"/> is stored (null clears it). Returns the set
    /// after the move, or null when it was not in <paramref name="from"/> (or is not this tenant's).</summary>
    Task<DeduplicationSet?> TransitionAsync(Guid id, IReadOnlyCollection<SetState> from, SetState to, string? error = null, long? runId = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a set with its images and findings; false when there was none.</summary>
    Task<bool> DeleteSetAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Registers images, idempotent per reference id: an id already in the set with the same file name is
    /// returned unchanged; with another file name the image takes it and loses its result. Results in input order.</summary>
    Task<IReadOnlyList<SetImage>> AddImagesAsync(Guid setId, IReadOnlyList<NewSetImage> images, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SetImage>> ListImagesAsync(Guid setId, long offset, int limit, CancellationToken cancellationToken = default);

    Task<long> CountImagesAsync(Guid setId, CancellationToken cancellationToken = default);

    /// <summary>The images of the group's approved (<see cref="SetState.Inactive"/>) sets: its reference data.</summary>
    Task<IReadOnlyList<SetImage>> ListReferenceImagesAsync(long groupId, CancellationToken cancellationToken = default);

    /// <summary>Removes the images with these reference ids (all of them when null) with their findings; returns how many went.</summary>
    Task<int> RemoveImagesAsync(Guid setId, IReadOnlyCollection<string>? referencePks, CancellationToken cancellationToken = default);

    Task SaveImageResultsAsync(IReadOnlyList<SetImageResult> results, CancellationToken cancellationToken = default);

    /// <summary>Replaces a set's findings with a processing run's (atomic). A reviewer's decision on a pair found again
    /// (same two images) is kept.</summary>
    Task ReplaceFindingsAsync(Guid setId, IReadOnlyList<NewSetFinding> findings, CancellationToken cancellationToken = default);

    /// <summary>Findings of a set (or, with <paramref name="setId"/> null, of every set of <paramref name="groupId"/>), newest first (by
    /// update time, then by id descending: findings stored together come newest row first).</summary>
    Task<FindingsPage> ListFindingsAsync(Guid? setId, long? groupId, SetFindingQuery query, CancellationToken cancellationToken = default);

    /// <summary>A set and a page of its findings (<see cref="ListFindingsAsync"/>) read together: what a findings page needs,
    /// in one round trip on a server engine. Null and an empty page when the tenant has no such set.</summary>
    Task<(DeduplicationSet? Set, FindingsPage Page)> GetSetWithFindingsAsync(Guid setId, SetFindingQuery query, CancellationToken cancellationToken = default);

    Task<SetFinding?> GetFindingAsync(long findingId, CancellationToken cancellationToken = default);

    /// <summary>Records a reviewer's decision (null clears it); false when the tenant has no such finding.</summary>
    Task<bool> DecideFindingAsync(long findingId, FindingDecision? decision, string? decidedBy, CancellationToken cancellationToken = default);

    /// <summary>Adds a pair to the group's ignore list (either order, stored sorted); an existing pair is returned as is (created = false).</summary>
    Task<(SetIgnoredPair Pair, bool Created)> AddIgnoredAsync(long groupId, IgnoredKeyKind kind, string first, string second, string? createdBy, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SetIgnoredPair>> ListIgnoredAsync(long groupId, CancellationToken cancellationToken = default);
}

/// <summary>Where a tenant's signed webhooks go.</summary>
public sealed record WebhookEndpoint(long Id, TenantId Tenant, string Url, string Secret, bool Active, DateTimeOffset CreatedAt);

public enum DeliveryKind
{
    /// <summary>Doppel's webhook: a signed JSON POST to a tenant's endpoint.</summary>
    Signed,
    /// <summary>The HOPE engine's notification: a plain GET of the set's <c>notification_url</c>.</summary>
    HopeGet,
}

public enum DeliveryState
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>One event to deliver to one URL, retried until <see cref="DeliveryState.Delivered"/> or out of time.</summary>
public sealed record WebhookDelivery(
    long Id,
    TenantId Tenant,
    DeliveryKind Kind,
    long? EndpointId,
    string Url,
    string EventType,
    string PayloadJson,
    DeliveryState State,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset CreatedAt,
    Guid? SetId);

/// <summary>One attempt at a delivery, as logged: HTTP status (null when no answer) or the error.</summary>
public sealed record DeliveryAttempt(long Id, long DeliveryId, int Number, DateTimeOffset At, int? StatusCode, string? Error, long DurationMs);

/// <summary>Webhook endpoints, the deliveries owed and every attempt made.</summary>
public interface IWebhookStore
{
    Task<WebhookEndpoint> AddEndpointAsync(TenantId tenant, string url, string secret, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(TenantId tenant, CancellationToken cancellationToken = default);

    Task<bool> RemoveEndpointAsync(TenantId tenant, long id, CancellationToken cancellationToken = default);

    Task<WebhookDelivery> EnqueueAsync(TenantId tenant, DeliveryKind kind, long? endpointId, string url, string eventType, string payloadJson, Guid? setId, CancellationToken cancellationToken = default);

    /// <summary>Pending deliveries due at <paramref name="now"/>, oldest first.</summary>
    Task<IReadOnlyList<WebhookDelivery>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>Logs an attempt and moves the delivery on: delivered, failed, or pending until <paramref name="nextAttemptAt"/>.</summary>
    Task RecordAttemptAsync(long deliveryId, int? statusCode, string? error, long durationMs, DeliveryState newState, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default);

    /// <summary>A tenant's deliveries, newest first (of one set when given).</summary>
    Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(TenantId tenant, Guid? setId, long offset, int limit, CancellationToken cancellationToken = default);

    Task<WebhookDelivery?> GetDeliveryAsync(TenantId tenant, long id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DeliveryAttempt>> ListAttemptsAsync(long deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Makes a delivery pending again, due now (the admin's "re-send"); false when the tenant has none with this id.</summary>
    Task<bool> ResendAsync(TenantId tenant, long id, CancellationToken cancellationToken = default);
}

/// <summary>A write that contradicts what is stored (a second active set in a group...): HTTP 409 at the API.</summary>
public sealed class StoreConflictException(string message) : CatalogException(message);
