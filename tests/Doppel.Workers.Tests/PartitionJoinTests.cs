using Doppel.Matching;
using Doppel.Workers;

namespace Doppel.Workers.Tests;

// One PostgreSQL serves the assembly and WorkerFaultTests restarts it on purpose; a class running beside the
// restart lost its connection (merged suite of 2026-12-07), so every class here shares one sequential collection.
[Collection("shared-postgres")]
public sealed class PartitionJoinTests
{
    /// <summary>Every block size, including ones that split identities and a last short block, gives the single
    /// self-join's pairs with bit-identical scores: what makes distributed findings identical to a single process's.</summary>
    [Theory]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(333)]
    [InlineData(5000)]
    public void PartitionsTogetherAreTheSelfJoin(int blockSize)
    {
        // Both sides add the same stored rows (VectorSet.Add normalises), as workers and dedup add the catalog's vectors.
        var (generated, _) = SyntheticEmbeddings.Generate(1500, 128, seed: 11);
        var vectors = Block(generated, 0, generated.Count);
        const float threshold = 0.5f;
        var expected = ExactJoin.SelfJoin(vectors, threshold).Select(p => new PartitionPair(p.A, p.B, p.Score)).ToList();
        expected.Count.ShouldBeGreaterThan(1000, "the synthetic identities should give many pairs");

        int blocks = (vectors.Count + blockSize - 1) / blockSize;
        var found = new List<PartitionPair>();
        foreach (var (row, col) in PartitionJoin.Partitions(blocks))
            found.AddRange(PartitionJoin.Join(Block(generated, row, blockSize), row * blockSize, Block(generated, col, blockSize), col * blockSize, row == col, threshold));
        found.Sort((x, y) => x.A != y.A ? x.A.CompareTo(y.A) : x.B.CompareTo(y.B));

        found.Count.ShouldBe(expected.Count);
        for (int i = 0; i < expected.Count; i++)
            found[i].ShouldBe(expected[i]);
    }

    [Fact]
    public void PartitionsCoverTheUpperTriangleOnce() =>
        PartitionJoin.Partitions(4).ShouldBe([(0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3)]);

    private static VectorSet Block(VectorSet all, int block, int size)
    {
        int start = block * size, end = Math.Min(all.Count, start + size);
        var set = new VectorSet(all.Dimension, end - start);
        for (int i = start; i < end; i++)
            set.Add(all.Id(i), all.Row(i));
        return set;
    }
}
