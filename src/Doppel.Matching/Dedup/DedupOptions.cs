namespace Doppel.Matching;

/// <summary>How scored pairs become duplicate groups.</summary>
public enum GroupingMode
{
    /// <summary>Connected components: a chain a–b–c puts a and c together even if they don't match.</summary>
    Connected,

    /// <summary>Every member must match the group's core face directly, so chains of look-alikes stop.</summary>
    Core,
}

public sealed record DedupOptions
{
    public static DedupOptions Default { get; } = new();

    public GroupingMode Mode { get; init; } = GroupingMode.Connected;

    /// <summary>Pairs scoring below this are ignored (pairs from a join at a lower threshold can be reused).</summary>
    public float MinScore { get; init; } = float.NegativeInfinity;

    /// <summary>Also report faces that joined no group, as groups of one.</summary>
    public bool IncludeSingletons { get; init; }
}

/// <summary>A duplicate group: member rows ascending, and the core (Core mode) or best-linked member (Connected mode).</summary>
public sealed record DuplicateGroup(int[] Members, int Representative);
