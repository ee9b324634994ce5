using FsCheck.Xunit;

namespace Doppel.Matching.Tests.Search;

public class ExactJoinTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<JoinKernelKind> Kernels()
    {
        var data = new TheoryData<JoinKernelKind> { JoinKernelKind.Portable };
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported)
            data.Add(JoinKernelKind.Avx2);
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            data.Add(JoinKernelKind.Avx512);
        return data;
    }

    [Fact]
    public void Self_join_of_hand_computed_vectors_returns_exactly_the_pairs_above_threshold()
    {
        // (1,0), (0.8,0.6), (0,1), (-1,0): cosines 0.8, 0, -1, 0.6, -0.8, 0.
        var set = new VectorSet(2);
        set.Add(10, [1, 0]);
        set.Add(11, [0.8f, 0.6f]);
        set.Add(12, [0, 1]);
        set.Add(13, [-2, 0]); // normalised on add
        var pairs = ExactJoin.SelfJoin(set, 0.5f);
        pairs.Select(p => (p.A, p.B)).ShouldBe([(0, 1), (1, 2)]);
        pairs[0].Score.ShouldBe(0.8f, 1e-6);
        pairs[1].Score.ShouldBe(0.6f, 1e-6);
        ExactJoin.SelfJoin(set, -1f).Count.ShouldBe(6);
    }

    [Fact]
    public void Cross_join_of_hand_computed_vectors_pairs_query_rows_with_corpus_rows()
    {
        var corpus = new VectorSet(3);
        corpus.Add(1, [1, 0, 0]);
        corpus.Add(2, [0, 1, 0]);
        corpus.Add(3, [0, 0, 1]);
        var queries = new VectorSet(3);
        queries.Add(7, [1, 1, 0]); // 0.707 with rows 0 and 1
        queries.Add(8, [0, 0, -1]);
        var pairs = ExactJoin.CrossJoin(queries, corpus, 0.7f);
        pairs.Select(p => (p.A, p.B)).ShouldBe([(0, 0), (0, 1)]);
        pairs[0].Score.ShouldBe(MathF.Sqrt(0.5f), 1e-6);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Every_kernel_matches_brute_force_across_panel_and_block_edges(JoinKernelKind kernel)
    {
        // 300 rows = 9 full panels + a 12-wide tail, 2 row blocks of 256 with a ragged end; d=37 is odd on purpose.
        var set = RandomVectors.Clustered(300, 37, seed: 5, maxMembers: 8);
        var options = new JoinOptions { Kernel = kernel, MaxThreads = 2 };
        AssertSame(Collect(set, 0.3f, options), BruteForce.SelfJoin(set, 0.3f), 0.3f);
    }

    [Property(MaxTest = 60)]
    public void Self_join_equals_brute_force_on_random_sets(int seed, byte countSeed, byte dimensionSeed, byte thresholdSeed, bool smallBlocks)
    {
        int count = countSeed % 150;
        int dimension = dimensionSeed % 70 + 1;
        float threshold = thresholdSeed / 255f * 1.6f - 0.8f;
        var set = RandomVectors.Clustered(count, dimension, seed, maxMembers: 6);
        var options = new JoinOptions { BlockRows = smallBlocks ? 32 : 256 };
        AssertSame(Collect(set, threshold, options), BruteForce.SelfJoin(set, threshold), threshold);
    }

    [Property(MaxTest = 60)]
    public void Cross_join_equals_brute_force_on_random_sets(int seed, byte queryCountSeed, byte corpusCountSeed, byte dimensionSeed, byte thresholdSeed)
    {
        int dimension = dimensionSeed % 40 + 1;
        float threshold = thresholdSeed / 255f - 0.5f;
        var queries = RandomVectors.Gaussian(queryCountSeed % 90, dimension, seed);
        var corpus = RandomVectors.Gaussian(corpusCountSeed % 120, dimension, seed + 1);
        var pairs = new List<ScoredPair>();
        long total = ExactJoin.CrossJoin(queries, corpus, threshold, batch => pairs.AddRange(batch));
        total.ShouldBe(pairs.Count);
        AssertSame(pairs, BruteForce.CrossJoin(queries, corpus, threshold), threshold);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Top_k_returns_the_k_best_corpus_rows_best_first(JoinKernelKind kernel)
    {
        var queries = RandomVectors.Gaussian(70, 24, seed: 1);
        var corpus = RandomVectors.Gaussian(500, 24, seed: 2);
        var top = ExactJoin.TopK(queries, corpus, 5, options: new JoinOptions { Kernel = kernel });
        top.Length.ShouldBe(70);
        for (int q = 0; q < queries.Count; q++)
        {
            var expected = Enumerable.Range(0, corpus.Count)
                .Select(c => (Col: c, Score: BruteForce.Dot(queries.Row(q), corpus.Row(c))))
                .OrderByDescending(x => x.Score).Take(5).ToList();
            top[q].Length.ShouldBe(5);
            for (int i = 0; i < 5; i++)
            {
                top[q][i].A.ShouldBe(q);
                top[q][i].Score.ShouldBe((float)expected[i].Score, 1e-5);
            }
            top[q].Select(p => p.B).ShouldBe(expected.Select(e => e.Col), ignoreOrder: true);
        }
    }

    [Fact]
    public void Self_top_k_excludes_the_row_itself_and_respects_the_minimum_score()
    {
        var set = RandomVectors.Clustered(200, 16, seed: 3, maxMembers: 4);
        var top = ExactJoin.SelfTopK(set, 3, minScore: 0.5f);
        for (int r = 0; r < set.Count; r++)
        {
            top[r].ShouldAllBe(p => p.B != r && p.Score >= 0.5f);
            int expectedCount = Math.Min(3, Enumerable.Range(0, set.Count).Count(c => c != r && BruteForce.Dot(set.Row(r), set.Row(c)) >= 0.5 + Tolerance));
            top[r].Length.ShouldBeGreaterThanOrEqualTo(expectedCount);
        }
    }

    [Fact]
    public void Bad_arguments_give_clear_errors()
    {
        var a = new VectorSet(3);
        var b = new VectorSet(4);
        Should.Throw<ArgumentException>(() => ExactJoin.CrossJoin(a, b, 0.5f)).Message.ShouldContain("dimension");
        Should.Throw<ArgumentException>(() => ExactJoin.SelfJoin(a, float.NaN));
        Should.Throw<ArgumentOutOfRangeException>(() => ExactJoin.SelfJoin(a, 0.5f, _ => { }, new JoinOptions { BlockRows = 40 }));
        Should.Throw<ArgumentOutOfRangeException>(() => ExactJoin.TopK(a, a, 0));
    }

    private static List<ScoredPair> Collect(VectorSet set, float threshold, JoinOptions options)
    {
        var pairs = new List<ScoredPair>();
        ExactJoin.SelfJoin(set, threshold, batch => pairs.AddRange(batch), options);
        return pairs;
    }

    /// <summary>Same pairs except those within float rounding of the threshold; same scores.</summary>
    private static void AssertSame(List<ScoredPair> actual, List<(int A, int B, double Score)> expected, float threshold)
    {
        var got = actual.ToDictionary(p => (p.A, p.B), p => p.Score);
        got.Count.ShouldBe(actual.Count, "a pair was reported twice");
        foreach (var (a, b, score) in expected)
        {
            if (got.TryGetValue((a, b), out float s))
                s.ShouldBe((float)score, Tolerance);
            else
                score.ShouldBeLessThan(threshold + Tolerance, $"missing pair ({a},{b}) with score {score}");
        }
        var expectedKeys = expected.Select(e => (e.A, e.B)).ToHashSet();
        foreach (var p in actual.Where(p => !expectedKeys.Contains((p.A, p.B))))
            p.Score.ShouldBeGreaterThan(threshold - (float)Tolerance, $"extra pair ({p.A},{p.B})");
    }
}
