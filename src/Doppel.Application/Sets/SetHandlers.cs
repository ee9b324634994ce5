using System.Text.Json.Nodes;
using Doppel.Storage;

namespace Doppel.Application.Sets;

/// <summary>An image as a caller registers it: the registration system's id and the blob key of its file.</summary>
public sealed record ImageRegistration(string ReferencePk, string Filename);

/// <summary>
/// The use cases of deduplication sets, as the REST service (HOPE-compatible and v1) and later the CLI call them:
/// each checks its input, applies the set's transition table (<see cref="SetTransitions"/>), writes through the
/// tenant's stores, and emits the state change (<see cref="SetEvents"/>). Every call is confined to one tenant:
/// another tenant's set is <see cref="NotFoundException"/>, never its data.
/// </summary>
/// <param name="analyzers">Where a new set whose group names no model profile takes the active one from (null: such a
/// set records none, and runs on the active profile of the moment it is processed).</param>
public sealed class SetHandlers(IDoppelDatabase db, ISetProcessingQueue queue, SetEvents events, ISetAnalyzers? analyzers = null)
{
    /// <summary>HOPE's client sends up to 5,000 images per bulk call.</summary>
    public const int MaxImagesPerCall = 5000;

    public const int MaxReferenceLength = 200;

    private ISetStore Sets(TenantId tenant) => db.SetsFor(tenant);

    /// <summary>A set by its UUID, or by its group's reference_pk (the group's open set, else its newest).</summary>
    public async Task<DeduplicationSet> ResolveAsync(TenantId tenant, string key, CancellationToken cancellationToken = default)
    {
        var sets = Sets(tenant);
        if (Guid.TryParse(key, out var id))
            return await sets.GetSetAsync(id, cancellationToken) ?? throw NoSet(key);
        return await sets.FindSetOfGroupAsync(key, cancellationToken) ?? throw NoSet(key);
    }

    private static NotFoundException NoSet(string key) => new($"No deduplication set '{Shorten(key)}'.");

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";

    public async Task<DeduplicationSet> CreateAsync(TenantId tenant, string? referencePk, string? notificationUrl, JsonObject? config = null, CancellationToken cancellationToken = default)
    {
        CheckReference(referencePk, "reference_pk");
        if (Guid.TryParse(referencePk, out _))
            throw new ValidationException("reference_pk must not be a UUID (set keys accept both, so it would be ambiguous).");
        if (!string.IsNullOrEmpty(notificationUrl) &&
            (!Uri.TryCreate(notificationUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
            throw new ValidationException("notification_url must be an absolute http(s) URL.");
        var sets = Sets(tenant);
        var group = await sets.GetOrCreateGroupAsync(referencePk!, GroupSettings.Default.ToJson(), cancellationToken);
        var settings = GroupSettings.FromJson(group.SettingsJson);
        if (config is not null)
            settings = settings.Merge(config);
        // The snapshot names the profile, so the set keeps it when the service's active profile changes later.
        if (settings.ModelProfile is null && analyzers?.Active is { } active)
            settings = settings with { ModelProfile = active.Name };
        try
        {
            return await sets.CreateSetAsync(group.Id, string.IsNullOrEmpty(notificationUrl) ? null : notificationUrl, settings.ToJson(), cancellationToken);
        }
        catch (StoreConflictException e)
        {
            throw new ConflictException(e.Message);
        }
    }

    public async Task DeleteAsync(TenantId tenant, string key, CancellationToken cancellationToken = default)
    {
        var set = await ResolveAsync(tenant, key, cancellationToken);
        if (set.State == SetState.Processing)
            throw new ConflictException("The set is processing; cancel it first.");
        await Sets(tenant).DeleteSetAsync(set.Id, cancellationToken);
    }

    /// <summary>Registers images (idempotent per reference id). A single add makes the set Modified; a bulk add
    /// leaves its state as it is (HOPE's rule). Refused while the set processes or once it is closed.</summary>
    public async Task<IReadOnlyList<SetImage>> AddImagesAsync(TenantId tenant, string key, IReadOnlyList<ImageRegistration> images, bool bulk, CancellationToken cancellationToken = default)
    {
        if (images.Count > MaxImagesPerCall)
            throw new ValidationException($"At most {MaxImagesPerCall} images per call ({images.Count} given).");
        for (int i = 0; i < images.Count; i++)
        {
            CheckReference(images[i].ReferencePk, $"image {i}: reference_pk");
            if (MediaFolder.Problem(images[i].Filename) is { } problem)
                throw new ValidationException($"image {i}: filename {problem}.");
        }
        var duplicateRef = images.GroupBy(i => i.ReferencePk).FirstOrDefault(g => g.Select(x => x.Filename).Distinct().Count() > 1);
        if (duplicateRef is not null)
            throw new ValidationException($"reference_pk '{Shorten(duplicateRef.Key)}' is given twice with different files.");
        var set = await ResolveAsync(tenant, key, cancellationToken);
        RequireEditable(set);
        var added = await Sets(tenant).AddImagesAsync(set.Id, images.Select(i => new NewSetImage(i.ReferencePk, i.Filename)).ToList(), cancellationToken);
        // A set already Modified stays so: no second write transaction (on SQLite each one waits for the single writer,
        // which a processing set holds in turns), and nothing to emit. The state was read before the images were added,
        // as the move's compare-and-set would have read it.
        if (!bulk && set.State != SetState.Modified)
            await MarkModifiedAsync(tenant, set, cancellationToken);
        return added;
    }

    /// <summary>Moves a set to Modified after a registration, a removal or an ignored pair. Registrations run at once on PostgreSQL: of several that
    /// read a set Ready, one wins the move and the others find the set Modified already, which is what they wanted
    /// (the isolation bench's 32 clients got 409s for images that were stored). Any other move meanwhile stays a 409.</summary>
    private async Task MarkModifiedAsync(TenantId tenant, DeduplicationSet set, CancellationToken cancellationToken)
    {
        try
        {
            await MoveAsync(tenant, set, SetAction.Modify, cancellationToken: cancellationToken);
        }
        catch (ConflictException)
        {
            if ((await Sets(tenant).GetSetAsync(set.Id, cancellationToken))?.State != SetState.Modified)
                throw;
        }
    }

    /// <summary>Removes images (all when <paramref name="referencePks"/> is null) with their findings.</summary>
    public async Task<int> RemoveImagesAsync(TenantId tenant, string key, IReadOnlyCollection<string>? referencePks, CancellationToken cancellationToken = default)
    {
        var set = await ResolveAsync(tenant, key, cancellationToken);
        RequireEditable(set);
        int removed = await Sets(tenant).RemoveImagesAsync(set.Id, referencePks, cancellationToken);
        if (referencePks is { Count: 1 } && removed > 0)
            await MarkModifiedAsync(tenant, set, cancellationToken);
        return removed;
    }

    private static void RequireEditable(DeduplicationSet set)
    {
        if (set.State == SetState.Processing)
            throw new ConflictException("The set is processing; its images cannot change until it ends (or is cancelled).");
        if (set.IsClosed)
            throw new ConflictException($"The set is {set.State}: closed sets do not change.");
    }

    public Task<IReadOnlyList<SetImage>> ListImagesAsync(TenantId tenant, DeduplicationSet set, long offset, int limit, CancellationToken cancellationToken = default) =>
        Sets(tenant).ListImagesAsync(set.Id, offset, limit, cancellationToken);

    /// <summary>The stored quality of the face each image's status is judged on (its face with the best detector score,
    /// as <see cref="SetResults"/> takes it for the group's <c>unified_quality_score_threshold</c>), by image id; images
    /// not analysed yet, without a face, or whose face has no quality are absent. One query for the page.</summary>
    public async Task<IReadOnlyDictionary<long, float>> FaceQualityAsync(TenantId tenant, IReadOnlyList<SetImage> images, CancellationToken cancellationToken = default)
    {
        var media = images.Where(i => i.MediaId is not null).Select(i => i.MediaId!.Value).Distinct().ToList();
        if (media.Count == 0)
            return new Dictionary<long, float>();
        var quality = (await db.For(tenant).Faces.ListOfMediaAsync(media, cancellationToken))
            .GroupBy(f => f.MediaId).Select(g => g.MaxBy(f => f.DetectorScore)!)
            .Where(f => f.Quality is not null).ToDictionary(f => f.MediaId, f => f.Quality!.Value);
        return images.Where(i => i.MediaId is { } m && quality.ContainsKey(m)).ToDictionary(i => i.Id, i => quality[i.MediaId!.Value]);
    }

    /// <summary>Starts processing: the set reads Processing when this returns, the work is queued.
    /// <see cref="ConflictException"/> while it is already processing (HOPE's client reads 409 as "in progress").</summary>
    public async Task<DeduplicationSet> ProcessAsync(TenantId tenant, string key, CancellationToken cancellationToken = default) =>
        await StartAsync(tenant, key, SetAction.Process, cancellationToken);

    /// <summary>Process (from Ready, Modified or Failed) or retry (from Failed only): both queue the set.</summary>
    private async Task<DeduplicationSet> StartAsync(TenantId tenant, string key, SetAction action, CancellationToken cancellationToken)
    {
        var set = await ResolveAsync(tenant, key, cancellationToken);
        var moved = await MoveAsync(tenant, set, action, cancellationToken: cancellationToken);
        await queue.EnqueueAsync(tenant, moved.Id, cancellationToken);
        return moved;
    }

    public async Task<DeduplicationSet> ActAsync(TenantId tenant, string key, SetAction action, CancellationToken cancellationToken = default)
    {
        if (action is SetAction.Process or SetAction.Retry)
            return await StartAsync(tenant, key, action, cancellationToken);
        if (action is SetAction.Complete or SetAction.Fail)
            throw new ValidationException("Only processing completes or fails a set.");
        var set = await ResolveAsync(tenant, key, cancellationToken);
        return await MoveAsync(tenant, set, action, cancellationToken: cancellationToken);
    }

    /// <summary>Approves the group's open set: it becomes the group's reference data, which every later set of the
    /// group is matched against.</summary>
    public async Task<DeduplicationSet> ApproveGroupAsync(TenantId tenant, string groupKey, CancellationToken cancellationToken = default)
    {
        var sets = Sets(tenant);
        var group = await sets.FindGroupAsync(groupKey, cancellationToken) ?? throw new NotFoundException($"No group '{Shorten(groupKey)}'.");
        var set = await sets.FindActiveSetAsync(group.Id, cancellationToken) ?? throw new ConflictException("The group has no open set to approve.");
        return await MoveAsync(tenant, set, SetAction.Approve, cancellationToken: cancellationToken);
    }

    /// <summary>Applies <paramref name="action"/> from the state the set is in now (compare and set: a concurrent
    /// move makes this a 409, never a lost update), then emits the change. A move to the same state emits nothing.</summary>
    public async Task<DeduplicationSet> MoveAsync(TenantId tenant, DeduplicationSet set, SetAction action, string? error = null, long? runId = null, CancellationToken cancellationToken = default)
    {
        var to = SetTransitions.Next(set.State, action);
        var moved = await Sets(tenant).TransitionAsync(set.Id, [set.State], to, error, runId, cancellationToken)
                    ?? throw new ConflictException("The set changed state meanwhile; read it again.");
        if (to != set.State)
            await events.StateChangedAsync(moved, set.State, cancellationToken);
        return moved;
    }

    /// <summary>Declares two images (by reference ids or file names) different people, for this set's group and
    /// every later set of it: findings of the pair are marked not duplicate now, and the set becomes Modified.</summary>
    public async Task<SetIgnoredPair> IgnoreAsync(TenantId tenant, string key, IgnoredKeyKind kind, string? first, string? second, string? createdBy, CancellationToken cancellationToken = default)
    {
        CheckReference(first, "first");
        CheckReference(second, "second");
        if (first == second)
            throw new ValidationException("first and second must differ.");
        var set = await ResolveAsync(tenant, key, cancellationToken);
        if (set.IsClosed)
            throw new ConflictException($"The set is {set.State}: closed sets do not change.");
        var sets = Sets(tenant);
        var (pair, created) = await sets.AddIgnoredAsync(set.GroupId, kind, first!, second!, createdBy, cancellationToken);
        await MarkIgnoredFindingsAsync(sets, set.Id, kind, first!, second!, createdBy, cancellationToken);
        if (created && set.State != SetState.Processing)
            await MarkModifiedAsync(tenant, set, cancellationToken);
        return pair;
    }

    private static async Task MarkIgnoredFindingsAsync(ISetStore sets, Guid setId, IgnoredKeyKind kind, string first, string second, string? by, CancellationToken cancellationToken)
    {
        var refs = kind == IgnoredKeyKind.ReferencePk ? new[] { first, second } : null;
        var page = await sets.ListFindingsAsync(setId, null, new SetFindingQuery { ReferencePks = refs, StatusCode = 200, Limit = 10_000 }, cancellationToken);
        foreach (var f in page.Items)
        {
            var (a, b) = kind == IgnoredKeyKind.ReferencePk ? (f.FirstReferencePk, f.SecondReferencePk) : (f.FirstFilename, f.SecondFilename);
            if ((a == first && b == second) || (a == second && b == first))
                await sets.DecideFindingAsync(f.Id, FindingDecision.NotDuplicate, by, cancellationToken);
        }
    }

    /// <summary>A reviewer's decision on one finding; "not duplicate" also puts the pair (by reference ids) on the
    /// group's ignore list, so no later set of the group reports it again.</summary>
    public async Task<SetFinding> DecideAsync(TenantId tenant, long findingId, FindingDecision? decision, string? decidedBy, CancellationToken cancellationToken = default)
    {
        var sets = Sets(tenant);
        var finding = await sets.GetFindingAsync(findingId, cancellationToken) ?? throw new NotFoundException($"No finding {findingId}.");
        if (finding.SecondImageId is null)
            throw new ValidationException("This finding is a per-image problem, not a pair: there is nothing to decide.");
        var set = await sets.GetSetAsync(finding.SetId, cancellationToken) ?? throw new NotFoundException($"No finding {findingId}.");
        if (set.IsClosed)
            throw new ConflictException($"The set is {set.State}: closed sets do not change.");
        await sets.DecideFindingAsync(findingId, decision, decidedBy, cancellationToken);
        if (decision == FindingDecision.NotDuplicate)
            await sets.AddIgnoredAsync(set.GroupId, IgnoredKeyKind.ReferencePk, finding.FirstReferencePk, finding.SecondReferencePk, decidedBy, cancellationToken);
        return (await sets.GetFindingAsync(findingId, cancellationToken))!;
    }

    public async Task<FindingsPage> FindingsAsync(TenantId tenant, DeduplicationSet set, SetFindingQuery query, CancellationToken cancellationToken = default) =>
        await Sets(tenant).ListFindingsAsync(set.Id, null, query, cancellationToken);

    /// <summary>A page of findings of the set <paramref name="key"/> names (<see cref="ResolveAsync"/>). By the set's UUID the
    /// set and the page are one store call (one round trip on PostgreSQL, where resolving first took another).</summary>
    public async Task<FindingsPage> FindingsAsync(TenantId tenant, string key, SetFindingQuery query, CancellationToken cancellationToken = default)
    {
        if (!Guid.TryParse(key, out var id))
            return await FindingsAsync(tenant, await ResolveAsync(tenant, key, cancellationToken), query, cancellationToken);
        var (set, page) = await Sets(tenant).GetSetWithFindingsAsync(id, query, cancellationToken);
        return set is null ? throw NoSet(key) : page;
    }

    public async Task<FindingsPage> GroupFindingsAsync(TenantId tenant, string groupKey, SetFindingQuery query, CancellationToken cancellationToken = default)
    {
        var sets = Sets(tenant);
        var group = await sets.FindGroupAsync(groupKey, cancellationToken) ?? throw new NotFoundException($"No group '{Shorten(groupKey)}'.");
        return await sets.ListFindingsAsync(null, group.Id, query, cancellationToken);
    }

    /// <summary>The profile a group's gallery (its approved sets' images) was last embedded with: its newest approved
    /// set's, since processing a set embeds the group's approved images with the set's profile too. Null: no approved set
    /// records one.</summary>
    public async Task<Doppel.Vision.Embedding.ModelProfile?> GalleryProfileAsync(TenantId tenant, string groupKey, CancellationToken cancellationToken = default)
    {
        var sets = Sets(tenant);
        var group = await sets.FindGroupAsync(groupKey, cancellationToken);
        if (group is null)
            return null;
        var newest = (await sets.ListSetsAsync(group.Id, [SetState.Inactive], 0, 1, cancellationToken)).FirstOrDefault();
        return newest is null ? null : ProcessSetHandler.RecordedProfile(newest);
    }

    /// <summary>A group's settings; a group not created yet has the defaults (reading creates nothing).</summary>
    public async Task<GroupSettings> GetSettingsAsync(TenantId tenant, string groupKey, CancellationToken cancellationToken = default)
    {
        CheckReference(groupKey, "group");
        var group = await Sets(tenant).FindGroupAsync(groupKey, cancellationToken);
        return group is null ? GroupSettings.Default : GroupSettings.FromJson(group.SettingsJson);
    }

    /// <summary>Merges <paramref name="changes"/> into the group's settings (sets opened later get them).
    /// <see cref="ConflictException"/> when the group has an approved set: its reference data was made with the
    /// current settings.</summary>
    public async Task<GroupSettings> UpdateSettingsAsync(TenantId tenant, string groupKey, JsonObject changes, CancellationToken cancellationToken = default)
    {
        CheckReference(groupKey, "group");
        var sets = Sets(tenant);
        var group = await sets.GetOrCreateGroupAsync(groupKey, GroupSettings.Default.ToJson(), cancellationToken);
        var merged = GroupSettings.FromJson(group.SettingsJson).Merge(changes);
        if (changes.Count > 0 && await sets.CountSetsAsync(group.Id, [SetState.Inactive], cancellationToken) > 0)
            throw new ConflictException("The group has an approved set made with the current settings; they cannot change.");
        await sets.UpdateGroupSettingsAsync(group.Id, merged.ToJson(), cancellationToken);
        return merged;
    }

    private static void CheckReference(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ValidationException($"{what} is required.");
        if (value.Length > MaxReferenceLength)
            throw new ValidationException($"{what} is longer than {MaxReferenceLength} characters.");
        if (value.Any(char.IsControl))
            throw new ValidationException($"{what} contains a control character.");
    }
}
