namespace Doppel.Matching.Tests.Search;

public class IvfPartitionsTests
{
    [Theory]
    [InlineData(3000, 64, 1)]
    [InlineData(3000, 64, 500)]
    [InlineData(1200, 128, 20_000)]
    public void Ranges_joined_apart_from_their_probers_alone_give_exactly_the_single_join(int count, int dimension, long maxProbers)
    {
        var (set, _) = SyntheticEmbeddings.Generate(count, dimension, seed: 11);
        var single = IvfJoin.SelfJoin(set, 0.5f);
        single.Count.ShouldBeGreaterThan(500);

        var plan = IvfPartitions.Plan(set);
        plan.CellCount.ShouldBe(IvfOptions.Default.CellCountFor(count));
        var ranges = plan.Ranges(maxProbers);
        ranges[0].First.ShouldBe(0);
        ranges[^1].End.ShouldBe(plan.CellCount);
        ranges.Zip(ranges.Skip(1)).ShouldAllBe(r => r.First.End == r.Second.First);

        var merged = new List<ScoredPair>();
        foreach (var (first, end) in ranges)
        {
            // What a worker gets: the rows probing the range (in set order), their vectors and probe lists, nothing else.
            var rows = Enumerable.Range(0, set.Count).Where(r => plan.ProbesOf(r).ToArray().Any(c => c >= first && c < end)).ToList();
            var probers = new VectorSet(dimension, rows.Count);
            foreach (int r in rows)
                probers.AddVerbatim(r, set.Row(r)); // the same floats (a worker normalises the same stored vector)
            var found = IvfPartitions.JoinRange(probers, rows.Select(r => plan.ProbesOf(r).ToArray()).ToList(), plan.CellCount, first, end, 0.5f);
            merged.AddRange(found.Select(p => new ScoredPair(rows[p.A], rows[p.B], p.Score)));
        }
        merged.Sort(ExactJoin.ComparePairs);

        // Each pair owned by exactly one cell: no pair twice, none missing, scores bit for bit.
        merged.ShouldBe(single);
    }

    [Fact]
    public void Bad_input_is_refused_with_a_reason()
    {
        var (set, _) = SyntheticEmbeddings.Generate(100, 16, seed: 1);
        Should.Throw<ArgumentException>(() => IvfPartitions.Plan(new VectorSet(16))).Message.ShouldContain("two vectors");
        var plan = IvfPartitions.Plan(set);
        Should.Throw<ArgumentOutOfRangeException>(() => IvfPartitions.JoinRange(set, [.. Enumerable.Range(0, 100).Select(r => plan.ProbesOf(r).ToArray())],
            plan.CellCount, 0, plan.CellCount + 1, 0.5f));
        Should.Throw<ArgumentException>(() => IvfPartitions.JoinRange(set, [], plan.CellCount, 0, 1, 0.5f)).Message.ShouldContain("probe lists");
    }
}
