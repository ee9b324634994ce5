using Doppel.Matching.Tests.Search;
using FsCheck.Xunit;

namespace Doppel.Matching.Tests.Dedup;

public class DuplicateGrouperTests
{
    private static readonly ScoredPair[] Chain = [new(0, 1, 0.9f), new(1, 2, 0.8f), new(2, 3, 0.7f), new(5, 6, 0.95f)];

    private static int[][] Members(IReadOnlyList<DuplicateGroup> groups) => [.. groups.Select(g => g.Members)];

    [Fact]
    public void Connected_mode_follows_chains_and_drops_singletons()
    {
        var groups = DuplicateGrouper.Group(8, Chain);
        Members(groups).ShouldBe([[0, 1, 2, 3], [5, 6]]);
        groups[0].Representative.ShouldBe(1); // 1 and 2 both have two links; lower row wins
        DuplicateGrouper.Group(8, Chain, new DedupOptions { IncludeSingletons = true }).Count.ShouldBe(4); // + {4}, {7}
    }

    [Fact]
    public void Core_mode_stops_chains_every_member_matches_the_core()
    {
        // Degrees: 0:1, 1:2, 2:2, 3:1. Core 1 (more score than 2) takes 0 and 2; 3 only matches 2, which is taken.
        var groups = DuplicateGrouper.Group(8, Chain, new DedupOptions { Mode = GroupingMode.Core });
        Members(groups).ShouldBe([[0, 1, 2], [5, 6]]);
        groups[0].Representative.ShouldBe(1);
    }

    [Fact]
    public void Min_score_drops_weak_pairs()
    {
        Members(DuplicateGrouper.Group(8, Chain, new DedupOptions { MinScore = 0.85f })).ShouldBe([[0, 1], [5, 6]]);
    }

    [Fact]
    public void Ignored_pairs_never_share_a_group_even_through_a_chain()
    {
        var ignore = new IgnoreList();
        ignore.Add(0, 2).ShouldBeTrue();
        ignore.Add(2, 0).ShouldBeFalse();
        // Strongest first: 0-1 joins, 1-2 would bring 2 next to 0 so it is refused, then 2-3 joins.
        Members(DuplicateGrouper.Group(8, Chain, ignore: ignore)).ShouldBe([[0, 1], [2, 3], [5, 6]]);
        Members(DuplicateGrouper.Group(8, Chain, new DedupOptions { Mode = GroupingMode.Core }, ignore: ignore)).ShouldBe([[0, 1], [2, 3], [5, 6]]);
    }

    [Fact]
    public void Ignore_list_can_be_keyed_by_stable_face_ids()
    {
        long[] ids = [100, 101, 102, 103, 104, 105, 106, 107];
        var ignore = new IgnoreList();
        ignore.Add(105, 106);
        ignore.Add(999, 100); // a face not in this batch is harmless
        Members(DuplicateGrouper.Group(8, Chain, ignore: ignore, faceIds: ids)).ShouldBe([[0, 1, 2, 3]]);
    }

    [Fact]
    public void Two_faces_of_one_image_are_never_grouped_and_the_stronger_match_wins()
    {
        // Faces 0 and 1 are both in image 7; 2 matches 0 (0.9) better than 1 (0.8).
        ScoredPair[] pairs = [new(0, 2, 0.9f), new(1, 2, 0.8f), new(0, 1, 0.99f)];
        long[] images = [7, 7, 8];
        Members(DuplicateGrouper.Group(3, pairs, imageOfFace: images)).ShouldBe([[0, 2]]);
        Members(DuplicateGrouper.Group(3, pairs, new DedupOptions { Mode = GroupingMode.Core }, imageOfFace: images)).ShouldBe([[0, 2]]);
        Members(DuplicateGrouper.Group(3, pairs)).ShouldBe([[0, 1, 2]]);
    }

    [Fact]
    public void Bad_input_gives_clear_errors()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => DuplicateGrouper.Group(3, [new ScoredPair(0, 3, 1f)])).Message.ShouldContain("outside");
        Should.Throw<ArgumentException>(() => DuplicateGrouper.Group(3, [], imageOfFace: [1, 2])).Message.ShouldContain("imageOfFace");
        Should.Throw<ArgumentException>(() => new IgnoreList().Add(4, 4));
    }

    [Fact]
    public void Groups_from_a_join_of_face_like_embeddings_recover_identities()
    {
        var (set, labels) = SyntheticEmbeddings.Generate(3000, 128, seed: 12);
        var groups = DuplicateGrouper.Group(set.Count, ExactJoin.SelfJoin(set, 0.45f), new DedupOptions { Mode = GroupingMode.Core, IncludeSingletons = true });
        // Pure groups: nearly every group holds one identity, and identities are rarely split.
        int impure = groups.Count(g => g.Members.Select(m => labels[m]).Distinct().Count() > 1);
        impure.ShouldBeLessThanOrEqualTo(groups.Count / 100);
        groups.Count.ShouldBeLessThanOrEqualTo((int)(labels.Distinct().Count() * 1.05));
    }

    [Property(MaxTest = 100)]
    public void Constraints_hold_and_unconstrained_connected_mode_equals_plain_components(int seed, bool coreMode)
    {
        var rng = new Random(seed);
        int n = rng.Next(2, 60);
        var pairs = Enumerable.Range(0, rng.Next(0, 3 * n)).Select(_ => new ScoredPair(rng.Next(n), rng.Next(n), (float)rng.NextDouble())).ToArray();
        var images = Enumerable.Range(0, n).Select(_ => (long)rng.Next(n / 2 + 1)).ToArray();
        var ignore = new IgnoreList();
        for (int i = 0; i < n / 3; i++)
        {
            int a = rng.Next(n), b = rng.Next(n);
            if (a != b)
                ignore.Add(a, b);
        }
        var options = new DedupOptions { Mode = coreMode ? GroupingMode.Core : GroupingMode.Connected, IncludeSingletons = true };
        var groups = DuplicateGrouper.Group(n, pairs, options, images, ignore);
        groups.SelectMany(g => g.Members).Order().ShouldBe(Enumerable.Range(0, n), "every face in exactly one group");
        var linked = pairs.Select(p => (Math.Min(p.A, p.B), Math.Max(p.A, p.B))).ToHashSet();
        foreach (var g in groups)
        {
            g.Members.Select(m => images[m]).Distinct().Count().ShouldBe(g.Members.Length);
            foreach (int a in g.Members)
                foreach (int b in g.Members)
                    ignore.Contains(a, b).ShouldBeFalse();
            if (coreMode)
                foreach (int m in g.Members.Where(m => m != g.Representative))
                    linked.ShouldContain((Math.Min(m, g.Representative), Math.Max(m, g.Representative)));
        }

        if (!coreMode)
        {
            var plain = DuplicateGrouper.Group(n, pairs, options with { IncludeSingletons = true });
            var sets = new UnionFind(n);
            foreach (var p in pairs)
                sets.Union(p.A, p.B);
            foreach (var g in plain)
                g.Members.Select(sets.Find).Distinct().Count().ShouldBe(1);
            plain.Count.ShouldBe(Enumerable.Range(0, n).Select(sets.Find).Distinct().Count());
        }
    }
}
