using FsCheck.Xunit;

namespace Doppel.Matching.Tests.Search;

public class IvfJoinTests
{
    [Property(MaxTest = 40)]
    public void Probing_every_cell_gives_exactly_the_exact_join(int seed, byte countSeed, byte dimensionSeed, byte cellSeed, byte thresholdSeed, bool gaussian)
    {
        int count = countSeed % 200;
        int dimension = dimensionSeed % 40 + 2;
        int cells = cellSeed % 12 + 1;
        float threshold = thresholdSeed / 255f * 1.2f - 0.4f;
        var set = gaussian ? RandomVectors.Gaussian(count, dimension, seed) : RandomVectors.Clustered(count, dimension, seed, maxMembers: 8);
        var options = new IvfOptions { Cells = cells, MaxProbes = cells, ProbeMargin = float.PositiveInfinity, Seed = seed, Iterations = 3 };

        var ivf = IvfJoin.SelfJoin(set, threshold, options);

        // Same rows, same scores bit for bit (both run the same kernel over the same dot products), each pair once.
        ivf.ShouldBe(ExactJoin.SelfJoin(set, threshold));
    }

    [Fact]
    public void Recall_on_face_like_embeddings_is_at_least_99_percent_and_every_pair_is_true()
    {
        var (set, _) = SyntheticEmbeddings.Generate(12_000, 128, seed: 5);
        var exact = ExactJoin.SelfJoin(set, 0.5f);
        exact.Count.ShouldBeGreaterThan(50_000, "the generator should give many same-identity pairs");
        var exactScores = exact.ToDictionary(p => (p.A, p.B), p => p.Score);

        var pairs = new List<ScoredPair>();
        var report = IvfJoin.SelfJoin(set, 0.5f, batch => pairs.AddRange(batch));

        report.Pairs.ShouldBe(pairs.Count);
        report.Cells.ShouldBe(IvfOptions.Default.CellCountFor(12_000));
        pairs.Select(p => (p.A, p.B)).Distinct().Count().ShouldBe(pairs.Count, "each pair is reported once");
        foreach (var p in pairs)
        {
            p.A.ShouldBeLessThan(p.B);
            exactScores.TryGetValue((p.A, p.B), out float score).ShouldBeTrue();
            p.Score.ShouldBe(score);
        }
        (pairs.Count / (double)exact.Count).ShouldBeGreaterThanOrEqualTo(0.99);
        // The point of the method: a small share of the exact join's comparisons.
        report.ShareOfExactWork.ShouldBeLessThan(0.5);
        report.AverageProbes.ShouldBeInRange(1, IvfOptions.Default.MaxProbes);
    }

    [Fact]
    public void Pairs_do_not_depend_on_the_thread_count()
    {
        var (set, _) = SyntheticEmbeddings.Generate(3000, 64, seed: 2);
        var one = IvfJoin.SelfJoin(set, 0.5f, new IvfOptions { MaxThreads = 1 });
        var four = IvfJoin.SelfJoin(set, 0.5f, new IvfOptions { MaxThreads = 4 });
        one.Count.ShouldBeGreaterThan(1000);
        four.ShouldBe(one);
    }

    [Fact]
    public void Search_config_switches_the_self_join_to_ivf()
    {
        var (set, _) = SyntheticEmbeddings.Generate(3000, 64, seed: 8);
        var options = new IvfOptions { Cells = 20, MaxProbes = 4 };
        var viaConfig = new SearchConfig { Method = SearchMethod.Ivf, Ivf = options }.CreateSearch().SelfJoin(set, 0.5f);
        viaConfig.ShouldBe(IvfJoin.SelfJoin(set, 0.5f, options));
        // Probing 4 of 20 cells compares less than the exact join, so it may only miss pairs, never invent them.
        var exact = new SearchConfig { Method = SearchMethod.Exact }.CreateSearch().SelfJoin(set, 0.5f).ToHashSet();
        viaConfig.ShouldAllBe(p => exact.Contains(p));
        viaConfig.Count.ShouldBeGreaterThan(exact.Count * 9 / 10);

        Should.Throw<NotSupportedException>(() => new SearchConfig { Method = SearchMethod.Ivf }.CreateIndex(64))
            .Message.ShouldContain("IVectorSearch");
    }

    [Fact]
    public void Tiny_inputs_give_no_pairs_and_more_cells_than_vectors_are_clamped()
    {
        IvfJoin.SelfJoin(new VectorSet(8), 0.5f).ShouldBeEmpty();
        var one = new VectorSet(2);
        one.Add(1, [1, 0]);
        IvfJoin.SelfJoin(one, 0.5f).ShouldBeEmpty();

        var three = new VectorSet(2);
        three.Add(1, [1, 0]);
        three.Add(2, [0.8f, 0.6f]);
        three.Add(3, [0, 1]);
        new IvfOptions { Cells = 50 }.CellCountFor(3).ShouldBe(3);
        IvfJoin.SelfJoin(three, 0.5f, new IvfOptions { Cells = 50, MaxProbes = 50, ProbeMargin = float.PositiveInfinity })
            .Select(p => (p.A, p.B)).ShouldBe([(0, 1), (1, 2)]);
    }

    public static TheoryData<IvfOptions, string> BadOptions() => new()
    {
        { new IvfOptions { Cells = -1 }, "Cells" },
        { new IvfOptions { Cells = IvfOptions.MaxCells + 1 }, "Cells" },
        { new IvfOptions { CellsPerSqrtN = 0 }, "CellsPerSqrtN" },
        { new IvfOptions { MaxProbes = 0 }, "MaxProbes" },
        { new IvfOptions { ProbeMargin = -0.1f }, "ProbeMargin" },
        { new IvfOptions { ProbeMargin = float.NaN }, "ProbeMargin" },
        { new IvfOptions { TrainingPointsPerCell = 0 }, "TrainingPointsPerCell" },
        { new IvfOptions { Iterations = -1 }, "Iterations" },
        { new IvfOptions { MaxThreads = 0 }, "MaxThreads" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_rejected_naming_the_option(IvfOptions options, string name)
    {
        var set = RandomVectors.Gaussian(10, 4, seed: 1);
        Should.Throw<ArgumentOutOfRangeException>(() => IvfJoin.SelfJoin(set, 0.5f, options)).ParamName.ShouldBe(name);
    }

    [Fact]
    public void A_NaN_threshold_is_rejected()
    {
        var set = RandomVectors.Gaussian(10, 4, seed: 1);
        Should.Throw<ArgumentException>(() => IvfJoin.SelfJoin(set, float.NaN)).Message.ShouldContain("NaN");
    }
}
