namespace Doppel.Matching.Persons;

/// <summary>
/// A face as the person layer sees it: its embedding, its current person, and the user's manual
/// decisions. <see cref="Pinned"/> = the user put this face in <see cref="PersonId"/> (it stays);
/// <see cref="ExcludedPersonIds"/> = persons the user removed it from (it never goes back to them).
/// </summary>
public sealed record FaceState(
    long FaceId,
    float[] Vector,
    long? PersonId = null,
    bool Pinned = false,
    IReadOnlySet<long>? ExcludedPersonIds = null,
    float? Quality = null)
{
    public bool Excludes(long personId) => ExcludedPersonIds?.Contains(personId) == true;
}

/// <summary>A person as stored: a stable id and the name a user may have given it.</summary>
public sealed record Person(long PersonId, string? Name = null);

/// <summary>A person after assignment: how many faces it holds and the face that represents it.</summary>
public sealed record PersonSummary(long PersonId, string? Name, int FaceCount, long? RepresentativeFaceId);

/// <summary>The outcome, for the catalog to persist: every face's person (null = waiting), every person.</summary>
/// <param name="CreatedPersonIds">Persons that did not exist before, in creation order.</param>
public sealed record PersonAssignment(
    IReadOnlyDictionary<long, long?> PersonOfFace,
    IReadOnlyList<PersonSummary> Persons,
    IReadOnlyList<long> CreatedPersonIds);

/// <summary>Settings of person assignment.</summary>
/// <param name="MaxDistance">Cosine distance within which two faces count as neighbours (similarity ≥ 1 − MaxDistance).</param>
/// <param name="MinFaces">Neighbourhood size, the face itself included, that makes a face core: only core faces found new persons (immich's min faces).</param>
public sealed record PersonOptions(float MaxDistance = 0.5f, int MinFaces = 3)
{
    /// <summary>Where each face's neighbours come from (a threshold self-join); exact by default.</summary>
    public IVectorSearch Search { get; init; } = VectorSearch.Exact;

    /// <summary>Recluster only: persons by average linkage (<see cref="Clustering.AverageClustering"/>, as the dedup groups)
    /// instead of DBSCAN; <see cref="MaxDistance"/> is then the levelled distance at which persons cut, and a face in no
    /// person of two waits instead of joining its nearest neighbour's.</summary>
    public bool AverageLinkage { get; init; }

    /// <summary>With <see cref="AverageLinkage"/>: each face's cohort level minus the profile's reference level, by
    /// face row (the order faces are given in); null = raw cosine (<see cref="Clustering.ClusterSettings.LevelOffsets"/>).</summary>
    public float[]? LevelOffsets { get; init; }

    public void Validate()
    {
        if (MaxDistance is < 0 or > 2 || float.IsNaN(MaxDistance))
            throw new ArgumentOutOfRangeException(nameof(MaxDistance), "Cosine distance must lie in [0, 2].");
        ArgumentOutOfRangeException.ThrowIfLessThan(MinFaces, 1, nameof(MinFaces));
    }
}
