using Doppel.Workers;

namespace Doppel.Workers.Tests;

/// <summary>What each matching partition of a finished set read, as the work store records it: a block × block partition
/// the vectors of its two blocks and no other, a cell range those of its cells' probers.</summary>
internal static class PartitionReads
{
    /// <summary>Every partition of exact set <paramref name="setId"/> read exactly its row block's and column block's vectors
    /// (one block on the diagonal); returns the most any one read.</summary>
    public static async Task<int> ShouldBeTheirBlocksAsync(WorkStore work, long setId, CancellationToken ct)
    {
        var set = (await work.GetSetAsync(setId, ct))!;
        int faces = (await work.ReadFacesAsync(setId, ct)).Count;
        int Size(int block) => Math.Min(set.BlockSize, faces - block * set.BlockSize);
        var partitions = await work.ReadPartitionsAsync(setId, ct);
        partitions.Count.ShouldBe(set.Partitions!.Value);
        foreach (var (row, col, vectors) in partitions)
            vectors.ShouldBe(Size(row) + (row == col ? 0 : Size(col)), $"partition {row} x {col} of {faces} faces in blocks of {set.BlockSize}");
        return partitions.Max(p => p.Vectors!.Value);
    }

    /// <summary>Every cell range of IVF set <paramref name="setId"/> read exactly the vectors of the faces probing its cells;
    /// returns the most any one read.</summary>
    public static async Task<int> ShouldBeTheirProbersAsync(WorkStore work, long setId, CancellationToken ct)
    {
        var set = (await work.GetSetAsync(setId, ct))!;
        var bounds = set.CellBounds!;
        var partitions = await work.ReadPartitionsAsync(setId, ct);
        partitions.Count.ShouldBe(set.Partitions!.Value);
        foreach (var (range, _, vectors) in partitions)
            vectors.ShouldBe((await work.ReadProbersAsync(setId, bounds[range], bounds[range + 1], ct)).Count, $"cell range {range}");
        return partitions.Max(p => p.Vectors!.Value);
    }
}
