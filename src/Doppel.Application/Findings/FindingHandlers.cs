using Doppel.Storage;

namespace Doppel.Application.Findings;

/// <summary>A finding with the keys of its two media, as a reviewer reads it.</summary>
public sealed record FindingView(Finding Finding, MediaFile A, MediaFile B);

/// <summary>Query "findings of the latest set": the pairs a reviewer works through, without those already on
/// the ignore list (a set may share an earlier set's rows, reviewed since).</summary>
public sealed class ListFindingsHandler(IStoreSet stores)
{
    public async Task<IReadOnlyList<FindingView>> HandleAsync(string group = DedupSet.DefaultGroup, FindingQuery? query = null,
        CancellationToken cancellationToken = default)
    {
        var set = await stores.Dedup.LatestSetAsync(group, cancellationToken).ConfigureAwait(false);
        if (set is null)
            return [];
        var findings = await stores.Dedup.GetFindingsAsync(set.Id, (query ?? FindingQuery.All) with { SkipIgnored = true }, cancellationToken).ConfigureAwait(false);
        var media = (await stores.Media.GetManyAsync(findings.SelectMany(f => new[] { f.MediaA, f.MediaB }).Distinct().ToList(), cancellationToken)
            .ConfigureAwait(false)).ToDictionary(m => m.Id);
        return findings.Select(f => new FindingView(f, media[f.MediaA], media[f.MediaB])).ToList();
    }
}

/// <summary>What a reviewer decided about one finding.</summary>
public sealed record ReviewFindingCommand(long FindingId, FindingStatus Verdict, string? Reason = null, string? DecidedBy = null);

/// <summary>
/// Use case "review a finding": record the verdict, and for "not the same person" put the pair on the ignore
/// list (by content hash, so it holds wherever the files move), both in one unit of work. The finding must be
/// in the group's latest set: an id from an older listing is refused rather than applied to a stale pair.
/// </summary>
public sealed class ReviewFindingHandler(ITenantStores stores)
{
    public async Task<FindingView> HandleAsync(ReviewFindingCommand command, string group = DedupSet.DefaultGroup, CancellationToken cancellationToken = default)
    {
        await using var uow = await stores.BeginAsync(null, cancellationToken).ConfigureAwait(false);
        var latest = await uow.Dedup.LatestSetAsync(group, cancellationToken).ConfigureAwait(false);
        var finding = await uow.Dedup.GetFindingAsync(command.FindingId, cancellationToken).ConfigureAwait(false);
        if (finding is null || latest is null || finding.SetId != latest.FindingsSetId)
            throw new RecordNotFoundException($"No finding {command.FindingId} in the latest dedup run.");
        var pair = await uow.Media.GetManyAsync([finding.MediaA, finding.MediaB], cancellationToken).ConfigureAwait(false);
        var a = pair.Single(m => m.Id == finding.MediaA);
        var b = pair.Single(m => m.Id == finding.MediaB);
        await uow.Dedup.SetFindingStatusAsync(finding.Id, command.Verdict, command.DecidedBy, cancellationToken).ConfigureAwait(false);
        // Two copies of the same bytes are always duplicates: there is no pair to remember.
        if (command.Verdict == FindingStatus.NotDuplicate && a.ContentHash != b.ContentHash)
            await uow.IgnoredPairs.AddAsync(a.ContentHash, b.ContentHash, command.Reason ?? "marked not duplicate", command.DecidedBy, cancellationToken).ConfigureAwait(false);
        await uow.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new FindingView(finding with { Status = command.Verdict }, a, b);
    }
}

/// <summary>Use case "ignore / unignore a pair" by content hashes (what the HOPE API's "not a duplicate" is).</summary>
public sealed class IgnorePairHandler(IStoreSet stores)
{
    /// <summary>Returns false when the pair was already ignored (the first reason is kept).</summary>
    public Task<bool> IgnoreAsync(string hashA, string hashB, string? reason, string? createdBy, CancellationToken cancellationToken = default) =>
        hashA == hashB
            ? throw new ArgumentException("An image cannot be 'not the same person' as a copy of itself (equal content hashes).")
            : stores.IgnoredPairs.AddAsync(hashA, hashB, reason, createdBy, cancellationToken);

    /// <summary>Returns false when the pair was not ignored.</summary>
    public Task<bool> UnignoreAsync(string hashA, string hashB, CancellationToken cancellationToken = default) =>
        stores.IgnoredPairs.RemoveAsync(hashA, hashB, cancellationToken);
}
