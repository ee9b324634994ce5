namespace Doppel.Storage.Contract;

/// <summary>
/// Sets with findings enough for a query planner to choose as it would on a real catalog (the plan tests of the
/// findings page on each engine): three sets of one group's tenant, each with 120 images and 2,000 findings,
/// stored as a set's processing stores them (one time per set).
/// </summary>
public static class FindingPages
{
    public const int FindingsPerSet = 2000;

    /// <summary>Seeds the sets; returns the id of the second (neither first nor last in any order).</summary>
    public static async Task<Guid> SeedAsync(IDoppelDatabase db, CancellationToken cancellationToken)
    {
        var sets = db.SetsFor(TenantId.Default);
        var ids = new List<Guid>();
        for (int s = 0; s < 3; s++)
        {
            var group = await sets.GetOrCreateGroupAsync($"PAGES-{s}", "{}", cancellationToken);
            var set = await sets.CreateSetAsync(group.Id, null, "{}", cancellationToken);
            var images = await sets.AddImagesAsync(set.Id, Enumerable.Range(0, 120).Select(i => new NewSetImage($"R{s}-{i}", $"p/{s}/{i}.jpg")).ToList(), cancellationToken);
            var findings = new List<NewSetFinding>(FindingsPerSet);
            for (int i = 0; findings.Count < FindingsPerSet; i++)
                for (int j = i + 1; j < images.Count && findings.Count < FindingsPerSet; j++)
                    findings.Add(new NewSetFinding(images[i].Id, images[j].Id, 0.9f, 0.7f, 200));
            await sets.ReplaceFindingsAsync(set.Id, findings, cancellationToken);
            ids.Add(set.Id);
        }
        return ids[1];
    }
}
