using Doppel.Storage;

namespace Doppel.Application.Persons;

/// <summary>A person with how many faces clustering (or a reviewer) put in it.</summary>
public sealed record PersonSummary(Person Person, int Faces);

/// <summary>A person's faces, each with its image and whether a reviewer pinned it there.</summary>
public sealed record PersonDetail(Person Person, IReadOnlyList<(FaceRecord Face, MediaFile? Media)> Faces);

/// <summary>
/// The reviewer's use cases on persons: rename, pin a face, remove a face, merge, split; and the queries
/// that list them. Every change holds the tenant's "persons" lease (the one recognise and recluster hold
/// while they write assignments back, <see cref="RecognizeHandler.PersonsLock"/>), and writes in one unit of
/// work fenced by it, so an edit neither lands in the middle of a recluster nor gets overwritten by one.
/// </summary>
public sealed class PersonHandlers(IDoppelDatabase db, TenantId tenant)
{
    private ITenantStores Stores => db.For(tenant);

    public async Task<IReadOnlyList<PersonSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var counts = (await Stores.Faces.ListAsync(Page.All, cancellationToken).ConfigureAwait(false))
            .Where(f => f.PersonId is not null).GroupBy(f => f.PersonId!.Value).ToDictionary(g => g.Key, g => g.Count());
        return (await Stores.Persons.ListAsync(Page.All, cancellationToken).ConfigureAwait(false))
            .Select(p => new PersonSummary(p, counts.GetValueOrDefault(p.Id)))
            .OrderByDescending(p => p.Faces).ToList();
    }

    public async Task<PersonDetail> ShowAsync(long personId, CancellationToken cancellationToken = default)
    {
        var person = await RequirePersonAsync(Stores, personId, cancellationToken).ConfigureAwait(false);
        var faces = (await Stores.Faces.ListAsync(Page.All, cancellationToken).ConfigureAwait(false)).Where(f => (f.PinnedPersonId ?? f.PersonId) == personId).ToList();
        var media = (await Stores.Media.GetManyAsync(faces.Select(f => f.MediaId).Distinct().ToList(), cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.Id);
        return new PersonDetail(person, faces.Select(f => (f, media.GetValueOrDefault(f.MediaId))).ToList());
    }

    /// <summary>The person, or <see cref="NotFoundException"/> (absent, or another tenant's).</summary>
    public Task<Person> GetAsync(long personId, CancellationToken cancellationToken = default) => RequirePersonAsync(Stores, personId, cancellationToken);

    /// <summary>The face, or <see cref="NotFoundException"/> (absent, or another tenant's).</summary>
    public Task<FaceRecord> FaceAsync(long faceId, CancellationToken cancellationToken = default) => RequireFaceAsync(Stores, faceId, cancellationToken);

    public Task<Person> RenameAsync(long personId, string name, CancellationToken cancellationToken = default) =>
        ChangeAsync($"persons rename {personId}", async uow =>
        {
            var person = await RequirePersonAsync(uow, personId, cancellationToken).ConfigureAwait(false);
            await uow.Persons.UpdateAsync(personId, name, person.RepresentativeFaceId, cancellationToken).ConfigureAwait(false);
            return person with { Name = name };
        }, cancellationToken);

    /// <summary>The face is this person for good: pinned (clustering never undoes a pin) and assigned now.</summary>
    public Task PinAsync(long faceId, long personId, CancellationToken cancellationToken = default) =>
        ChangeAsync($"persons pin {faceId} {personId}", async uow =>
        {
            await RequirePersonAsync(uow, personId, cancellationToken).ConfigureAwait(false);
            await RequireFaceAsync(uow, faceId, cancellationToken).ConfigureAwait(false);
            await uow.Faces.PinAsync(faceId, personId, cancellationToken).ConfigureAwait(false);
            await uow.Faces.AssignPersonsAsync([(faceId, personId)], cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <summary>The face is not this person: excluded for good, and unassigned if it was in it.</summary>
    public Task RemoveAsync(long faceId, long personId, CancellationToken cancellationToken = default) =>
        ChangeAsync($"persons remove {faceId} {personId}", async uow =>
        {
            await RequirePersonAsync(uow, personId, cancellationToken).ConfigureAwait(false);
            await RequireFaceAsync(uow, faceId, cancellationToken).ConfigureAwait(false);
            await uow.Faces.ExcludeAsync(faceId, personId, cancellationToken).ConfigureAwait(false);
            if ((await uow.Faces.GetAsync(faceId, cancellationToken).ConfigureAwait(false))?.PersonId == personId)
                await uow.Faces.AssignPersonsAsync([(faceId, null)], cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <summary>B's faces join A (pinned), B goes; returns A as it is after, with its face count.</summary>
    public Task<PersonSummary> MergeAsync(long keptId, long mergedId, string? decidedBy, CancellationToken cancellationToken = default) =>
        ChangeAsync($"persons merge {keptId} {mergedId}", async uow =>
        {
            if (keptId == mergedId)
                throw new ValidationException($"A person cannot be merged into itself ({keptId}).");
            await RequirePersonAsync(uow, keptId, cancellationToken).ConfigureAwait(false);
            await RequirePersonAsync(uow, mergedId, cancellationToken).ConfigureAwait(false);
            await uow.Persons.MergeAsync(keptId, mergedId, decidedBy, cancellationToken).ConfigureAwait(false);
            var kept = (await uow.Persons.GetAsync(keptId, cancellationToken).ConfigureAwait(false))!;
            var faces = (await uow.Faces.ListAsync(Page.All, cancellationToken).ConfigureAwait(false)).Count(f => f.PersonId == keptId);
            return new PersonSummary(kept, faces);
        }, cancellationToken);

    /// <summary>The faces move to a new person (pinned there); returns its id.</summary>
    public Task<long> SplitAsync(long personId, IReadOnlyList<long> faceIds, string? name, string? decidedBy, CancellationToken cancellationToken = default) =>
        ChangeAsync($"persons split {personId}", async uow =>
        {
            await RequirePersonAsync(uow, personId, cancellationToken).ConfigureAwait(false);
            if (faceIds.Count == 0)
                throw new ValidationException("A split needs at least one face.");
            foreach (var faceId in faceIds.Distinct())
            {
                var face = await RequireFaceAsync(uow, faceId, cancellationToken).ConfigureAwait(false);
                // The stores' wording (the CLI's tests hold it), as a refusal the service answers 400.
                if ((face.PinnedPersonId ?? face.PersonId) is var owner && owner != personId)
                    throw new ValidationException($"Face {faceId} is not in person {personId} (it is in {(owner is long o ? $"person {o}" : "no person")}).");
            }
            return await uow.Persons.SplitAsync(personId, faceIds, name, decidedBy, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private async Task<T> ChangeAsync<T>(string purpose, Func<IUnitOfWork, Task<T>> change, CancellationToken cancellationToken)
    {
        await using var lease = await HeldLease.AcquireAsync(db, CatalogDatabases.LeaseName(tenant, RecognizeHandler.PersonsLock), purpose,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var uow = await Stores.BeginAsync(lease.Fence, cancellationToken).ConfigureAwait(false);
        var result = await change(uow).ConfigureAwait(false);
        await uow.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static async Task<Person> RequirePersonAsync(IStoreSet stores, long personId, CancellationToken cancellationToken) =>
        await stores.Persons.GetAsync(personId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException($"Person id {personId} is not in the catalog.");

    // Another tenant's person or face reads as absent (the stores are scoped by tenant), so its id leaks nothing.
    private static async Task<FaceRecord> RequireFaceAsync(IStoreSet stores, long faceId, CancellationToken cancellationToken) =>
        await stores.Faces.GetAsync(faceId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException($"Face id {faceId} is not in the catalog.");
}
