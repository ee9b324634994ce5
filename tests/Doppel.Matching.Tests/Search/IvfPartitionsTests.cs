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

    /// <summary>The streamed plan (sample rows read to train, then batches) is the whole-set plan bit for bit, and holds at
    /// most the sample (twice: as read, and as drawn) or one batch at a time, never every vector.</summary>
    [Theory]
    [InlineData(12_000, 64, 50, 1024)]   // sample 2,000 of 12,000 (40 per cell); 12 batches, the last partial
    [InlineData(3_000, 32, 0, 256)]      // default cells (219): the sample is every row
    public void A_streamed_plan_is_the_whole_sets_plan_and_holds_a_bounded_part_of_it(int count, int dimension, int cells, int batchRows)
    {
        var (set, _) = SyntheticEmbeddings.Generate(count, dimension, seed: 5);
        var options = IvfOptions.Default with { Cells = cells };
        var whole = IvfPartitions.Plan(set, options);

        var streamed = new IvfStreamingPlan(count, options, batchRows);
        int sample = Math.Min(count, whole.CellCount * options.TrainingPointsPerCell);
        streamed.TrainingRows.Count.ShouldBe(sample);
        streamed.TrainingRows.ShouldBe(streamed.TrainingRows.Order().Distinct().ToList(), "ascending, distinct rows");
        streamed.Train(Rows(set, streamed.TrainingRows));
        for (int first = 0; first < count; first += batchRows)
            streamed.Assign(Rows(set, Enumerable.Range(first, Math.Min(batchRows, count - first)).ToList()));
        var plan = streamed.Finish();

        plan.CellCount.ShouldBe(whole.CellCount);
        plan.Centroids.Data.ToArray().ShouldBe(whole.Centroids.Data.ToArray());
        for (int r = 0; r < count; r++)
            plan.ProbesOf(r).ToArray().ShouldBe(whole.ProbesOf(r).ToArray(), $"row {r}");
        plan.Ranges(500).ShouldBe(whole.Ranges(500));
        streamed.Ranges(500).ShouldBe(whole.Ranges(500));
        streamed.ProbeLists.Count.ShouldBe(count);
        streamed.MostHeld.ShouldBe(Math.Max(2L * sample, batchRows));
        if (sample < count)
            streamed.MostHeld.ShouldBeLessThan(count);
    }

    /// <summary>Rows of <paramref name="set"/>, the same floats (a worker normalises the same stored vector the same way).</summary>
    private static VectorSet Rows(VectorSet set, IReadOnlyList<int> rows)
    {
        var part = new VectorSet(set.Dimension, rows.Count);
        foreach (int r in rows)
            part.AddVerbatim(r, set.Row(r));
        return part;
    }

    [Fact]
    public void A_streamed_plan_refuses_batches_out_of_step()
    {
        Should.Throw<ArgumentException>(() => new IvfStreamingPlan(1000, batchRows: 300)).Message.ShouldContain("multiple of 256");
        var (set, _) = SyntheticEmbeddings.Generate(1000, 16, seed: 1);
        var streamed = new IvfStreamingPlan(1000, batchRows: 256);
        Should.Throw<InvalidOperationException>(() => streamed.Assign(Rows(set, [.. Enumerable.Range(0, 256)])));
        streamed.Train(Rows(set, streamed.TrainingRows));
        Should.Throw<ArgumentException>(() => streamed.Assign(Rows(set, [.. Enumerable.Range(0, 100)]))).Message.ShouldContain("256 come next");
        Should.Throw<InvalidOperationException>(() => streamed.Finish()).Message.ShouldContain("0 of 1000");
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
