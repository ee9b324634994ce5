namespace Doppel.Matching;

/// <summary>HNSW graph parameters (names as in the paper and in hnswlib/faiss, so numbers compare).</summary>
public sealed record HnswOptions
{
    public static HnswOptions Default { get; } = new();

    /// <summary>Links per node on upper layers; layer 0 keeps up to 2·M.</summary>
    public int M { get; init; } = 16;

    /// <summary>Beam width while inserting: higher builds a better graph, slower.</summary>
    public int EfConstruction { get; init; } = 100;

    /// <summary>Beam width while searching (raised to k when k is larger).</summary>
    public int EfSearch { get; init; } = 64;

    /// <summary>Beam width of the per-node search in a self-join, which starts at the node itself and then
    /// floods through everything above the threshold; a small beam suffices.</summary>
    public int JoinEf { get; init; } = 16;

    /// <summary>In a self-join, also search every node from the top layer (not only nodes whose own
    /// links find nothing): slower, catches nodes the graph never linked to their look-alikes.</summary>
    public bool JoinSearchFromTop { get; init; }

    /// <summary>Range searches and joins flood through nodes down to threshold − FloodSlack (reporting only
    /// those at or above the threshold): more recall for more visits.</summary>
    public float FloodSlack { get; init; } = 0.1f;

    /// <summary>Seeds the layer draw; the same seed and the same inserts give the same graph, whatever the thread count.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Threads for batch inserts and joins.</summary>
    public int MaxThreads { get; init; } = Environment.ProcessorCount;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(M, 2, nameof(M));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(M, 256, nameof(M));
        ArgumentOutOfRangeException.ThrowIfLessThan(EfConstruction, 1, nameof(EfConstruction));
        ArgumentOutOfRangeException.ThrowIfLessThan(EfSearch, 1, nameof(EfSearch));
        ArgumentOutOfRangeException.ThrowIfLessThan(JoinEf, 1, nameof(JoinEf));
        if (!(FloodSlack >= 0 && FloodSlack <= 2))
            throw new ArgumentOutOfRangeException(nameof(FloodSlack), FloodSlack, "FloodSlack must be within [0, 2].");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxThreads, 1, nameof(MaxThreads));
    }
}
