namespace Doppel.Matching;

/// <summary>How scored pairs become duplicate groups.</summary>
public enum GroupingMode
{
    /// <summary>Connected components: a chain a–b–c puts a and c together even if they don't match.</summary>
    Connected,

    /// <summary>Every member must match the group's core face directly, so chains of look-alikes stop.</summary>
    Core,

    /// <summary>Average linkage cut at <see cref="DedupOptions.LinkageThreshold"/>: two parts join only when
    /// their faces match on average, and a member whose mean score to the rest of its group falls below the
    /// threshold leaves it. A chain a–b–c whose ends do not match stays split; every member is supported
    /// by its whole group.</summary>
    Average,
}

public sealed record DedupOptions
{
    public static DedupOptions Default { get; } = new();

    public GroupingMode Mode { get; init; } = GroupingMode.Connected;

    /// <summary>Pairs scoring below this are ignored (pairs from a join at a lower threshold can be reused).</summary>
    public float MinScore { get; init; } = float.NegativeInfinity;

    /// <summary>Average mode: the mean score two parts need to join (the pair threshold, normally); null =
    /// <see cref="MinScore"/>.</summary>
    public float? LinkageThreshold { get; init; }

    /// <summary>Average mode without a similarity function: the score of two faces that have no pair
    /// (they did not match, so anything below the threshold; 0 = unrelated).</summary>
    public float MissingScore { get; init; }

    /// <summary>Average mode: a connected component larger than this is grouped by <see cref="GroupingMode.Core"/>
    /// instead (average linkage holds a component's score matrix in memory: 8,192² doubles = 512 MB).</summary>
    public int MaxLinkageComponent { get; init; } = 8192;

    /// <summary>Also report faces that joined no group, as groups of one.</summary>
    public bool IncludeSingletons { get; init; }
}

/// <summary>A duplicate group: member rows ascending, and the core (Core mode) or best-linked member (Connected and Average modes).</summary>
public sealed record DuplicateGroup(int[] Members, int Representative);
