namespace Doppel.Matching.Tests.Dedup;

/// <summary><see cref="GroupingMode.Average"/>: groups that do not chain.</summary>
public class AverageGroupingTests
{
    private static DedupOptions Average(float cut) => new() { Mode = GroupingMode.Average, LinkageThreshold = cut, MinScore = cut };

    private static int[][] Members(IReadOnlyList<DuplicateGroup> groups) => [.. groups.Select(g => g.Members)];

    [Fact]
    public void A_chain_through_a_weak_link_is_split_where_connected_components_join_it()
    {
        // a-b match strongly, b-c just above the threshold, a and c are different people (0.5).
        ScoredPair[] chain = [new(0, 1, 0.97f), new(1, 2, 0.91f)];
        float Similarity(int x, int y) => 0.5f;
        Members(DuplicateGrouper.Group(3, chain)).ShouldBe([[0, 1, 2]]);
        Members(DuplicateGrouper.Group(3, chain, Average(0.9f), similarity: Similarity)).ShouldBe([[0, 1]]);
        // Without a similarity function a missing pair scores MissingScore (0): the same split.
        Members(DuplicateGrouper.Group(3, chain, Average(0.9f))).ShouldBe([[0, 1]]);
    }

    [Fact]
    public void A_member_that_matches_the_group_on_average_stays()
    {
        // 2 matches 1 well and 0 just below the cut: mean (0.95 + 0.88) / 2 >= 0.9, so the trio holds.
        ScoredPair[] pairs = [new(0, 1, 0.97f), new(1, 2, 0.95f)];
        Members(DuplicateGrouper.Group(3, pairs, Average(0.9f), similarity: (_, _) => 0.88f)).ShouldBe([[0, 1, 2]]);
    }

    [Fact]
    public void Ignored_pairs_are_never_joined_even_when_everything_else_matches()
    {
        ScoredPair[] triangle = [new(0, 1, 0.99f), new(1, 2, 0.98f), new(0, 2, 0.97f)];
        var ignore = new IgnoreList();
        ignore.Add(0, 2);
        var groups = Members(DuplicateGrouper.Group(3, triangle, Average(0.9f), ignore: ignore));
        groups.ShouldBe([[0, 1]]);
        // Keyed by stable ids too, as DedupMatcher passes them.
        ignore = new IgnoreList();
        ignore.Add(200, 201);
        Members(DuplicateGrouper.Group(3, triangle, Average(0.9f), ignore: ignore, faceIds: [200, 201, 202])).ShouldBe([[1, 2]]); // 1-2 (0.98) is the best allowed merge; 0 may not join 1
    }

    [Fact]
    public void Two_faces_of_one_image_are_never_grouped()
    {
        ScoredPair[] pairs = [new(0, 1, 0.99f), new(1, 2, 0.98f), new(0, 2, 0.97f)];
        Members(DuplicateGrouper.Group(3, pairs, Average(0.9f), imageOfFace: [7, 8, 7])).ShouldBe([[0, 1]]);
    }

    [Fact]
    public void Every_member_is_supported_by_its_group_on_random_graphs()
    {
        var random = new Random(14);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = random.Next(3, 40);
            var score = new float[n, n];
            for (int a = 0; a < n; a++)
                for (int b = a + 1; b < n; b++)
                    score[a, b] = score[b, a] = (float)random.NextDouble();
            const float cut = 0.75f;
            var pairs = new List<ScoredPair>();
            for (int a = 0; a < n; a++)
                for (int b = a + 1; b < n; b++)
                    if (score[a, b] >= cut)
                        pairs.Add(new ScoredPair(a, b, score[a, b]));
            var groups = DuplicateGrouper.Group(n, pairs, Average(cut), similarity: (a, b) => score[a, b]);
            var seen = new HashSet<int>();
            foreach (var g in groups)
                foreach (int m in g.Members)
                {
                    seen.Add(m).ShouldBeTrue(); // one group per face
                    g.Members.Where(o => o != m).Average(o => score[m, o]).ShouldBeGreaterThanOrEqualTo(cut, $"trial {trial}: member {m}");
                }
        }
    }

    [Fact]
    public void Needs_a_threshold()
    {
        Should.Throw<ArgumentException>(() => DuplicateGrouper.Group(2, [new(0, 1, 0.9f)], new DedupOptions { Mode = GroupingMode.Average }));
    }

    [Fact]
    public void A_component_above_the_linkage_limit_falls_back_to_core_groups()
    {
        ScoredPair[] chain = [new(0, 1, 0.9f), new(1, 2, 0.8f), new(2, 3, 0.7f)];
        var options = Average(0.7f) with { MaxLinkageComponent = 3 };
        Members(DuplicateGrouper.Group(4, chain, options)).ShouldBe(Members(DuplicateGrouper.Group(4, chain, new DedupOptions { Mode = GroupingMode.Core })));
    }
}
