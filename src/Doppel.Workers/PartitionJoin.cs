using Doppel.Matching;

namespace Doppel.Workers;

/// <summary>
/// The exact self-join of N vectors split into partitions: the vectors in blocks of B rows, one partition per
/// (row block, column block) of the upper triangle, a diagonal partition a self-join of its block, the others a
/// cross join. Their pairs together are exactly the single self-join's, with the same scores (the same kernel
/// computes each pair), so a set matched over many workers has the findings of a single-process run.
/// </summary>
public static class PartitionJoin
{
    /// <summary>The partitions of <paramref name="blocks"/> blocks: (row, column) with row ≤ column.</summary>
    public static IEnumerable<(int Row, int Col)> Partitions(int blocks)
    {
        for (int row = 0; row < blocks; row++)
            for (int col = row; col < blocks; col++)
                yield return (row, col);
    }

    /// <summary>The pairs of one partition at or above <paramref name="threshold"/>, in set positions (A &lt; B).</summary>
    public static List<PartitionPair> Join(VectorSet rows, int rowStart, VectorSet cols, int colStart, bool diagonal, float threshold)
    {
        var found = diagonal ? VectorSearch.Exact.SelfJoin(rows, threshold) : VectorSearch.Exact.CrossJoin(rows, cols, threshold);
        return found.Select(p => new PartitionPair(rowStart + p.A, colStart + p.B, p.Score)).ToList();
    }
}
