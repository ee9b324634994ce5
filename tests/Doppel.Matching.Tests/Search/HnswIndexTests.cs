using Doppel.Testing;

namespace Doppel.Matching.Tests.Search;

public class HnswIndexTests
{
    private static readonly HnswOptions Small = new() { M = 12, EfConstruction = 80, EfSearch = 48, Seed = 7 };

    private static HnswIndex Build(VectorSet set, HnswOptions options)
    {
        var index = new HnswIndex(set.Dimension, options);
        index.AddRange(set, useRowIndexAsId: true);
        return index;
    }

    [Fact]
    public void Self_join_recall_on_face_like_clusters_is_at_least_99_percent_of_exact()
    {
        var (set, _) = SyntheticEmbeddings.Generate(4000, 64, seed: 11);
        var exact = ExactJoin.SelfJoin(set, 0.5f);
        exact.Count.ShouldBeGreaterThan(10_000, "the generator should give many same-identity pairs");
        var approx = new SearchConfig { Method = SearchMethod.Hnsw, Hnsw = Small }.CreateSearch().SelfJoin(set, 0.5f);
        var found = approx.Select(p => (p.A, p.B)).ToHashSet();
        double recall = exact.Count(p => found.Contains((p.A, p.B))) / (double)exact.Count;
        recall.ShouldBeGreaterThanOrEqualTo(0.99);
        approx.ShouldAllBe(p => p.Score >= 0.5f && p.A < p.B);

        // The variant that searches every node from the top layer keeps the same floor.
        var fromTop = new SearchConfig { Method = SearchMethod.Hnsw, Hnsw = Small with { JoinSearchFromTop = true } }.CreateSearch().SelfJoin(set, 0.5f);
        var truth = exact.Select(p => (p.A, p.B)).ToHashSet();
        (fromTop.Count(p => truth.Contains((p.A, p.B))) / (double)exact.Count).ShouldBeGreaterThanOrEqualTo(0.99);
        fromTop.ShouldAllBe(p => p.Score >= 0.5f && p.A < p.B);
    }

    [Fact]
    public void Top_10_recall_for_new_photos_of_known_faces_is_at_least_95_percent()
    {
        var (set, _) = SyntheticEmbeddings.Generate(5000, 48, seed: 3);
        var index = Build(set, Small with { EfSearch = 64 });
        // A new photo of a known face: an indexed row plus fresh noise (cosine ≈ 0.8 to it).
        var rng = new Random(99);
        var queries = new VectorSet(48);
        var v = new float[48];
        for (int q = 0; q < 200; q++)
        {
            var row = set.Row(rng.Next(set.Count));
            for (int k = 0; k < 48; k++)
                v[k] = row[k] + 0.75f / MathF.Sqrt(48) * RandomVectors.NextGaussian(rng);
            queries.Add(q, v);
        }
        var exact = ExactJoin.TopK(queries, set, 10);
        int hits = 0;
        for (int q = 0; q < queries.Count; q++)
        {
            var truth = exact[q].Select(p => (long)p.B).ToHashSet();
            hits += index.Search(queries.Row(q), 10).Count(n => truth.Contains(n.Id));
        }
        double recall = hits / (200.0 * 10);
        recall.ShouldBeGreaterThanOrEqualTo(0.95);
    }

    [Fact]
    public void Range_search_returns_the_whole_cluster_above_the_threshold_best_first()
    {
        var (set, labels) = SyntheticEmbeddings.Generate(3000, 64, seed: 5);
        var index = Build(set, Small);
        for (int row = 0; row < 300; row++)
        {
            var expected = Enumerable.Range(0, set.Count).Where(r => BruteForce.Dot(set.Row(row), set.Row(r)) >= 0.45 + 1e-5).Select(r => (long)r).ToHashSet();
            var got = index.RangeSearch(set.Row(row), 0.45f);
            got.Select(n => n.Id).ToHashSet().IsSupersetOf(expected).ShouldBeTrue($"row {row} (identity {labels[row]})");
            got.Select(n => n.Similarity).ShouldBeInOrder(SortDirection.Descending);
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_graph_whatever_the_thread_count()
    {
        var (set, _) = SyntheticEmbeddings.Generate(2500, 32, seed: 8);
        var dir = RepoPaths.NewTempDir();
        Build(set, Small with { MaxThreads = 1 }).Save(Path.Combine(dir, "one.hnsw"));
        Build(set, Small with { MaxThreads = 4 }).Save(Path.Combine(dir, "four.hnsw"));
        File.ReadAllBytes(Path.Combine(dir, "one.hnsw")).ShouldBe(File.ReadAllBytes(Path.Combine(dir, "four.hnsw")));
        Build(set, Small with { Seed = 8 }).Save(Path.Combine(dir, "other-seed.hnsw"));
        File.ReadAllBytes(Path.Combine(dir, "other-seed.hnsw")).ShouldNotBe(File.ReadAllBytes(Path.Combine(dir, "one.hnsw")));
    }

    [Fact]
    public void Save_and_load_round_trip_answers_identically_and_keeps_growing_identically()
    {
        var (set, _) = SyntheticEmbeddings.Generate(3000, 32, seed: 21);
        var original = Build(set, Small);
        original.Remove(17).ShouldBeTrue();
        var path = Path.Combine(RepoPaths.NewTempDir(), "index.hnsw");
        original.Save(path);
        var loaded = HnswIndex.Load(path);
        loaded.Count.ShouldBe(original.Count);
        loaded.Dimension.ShouldBe(32);
        loaded.Options.M.ShouldBe(Small.M);
        for (int row = 0; row < 100; row++)
            loaded.Search(set.Row(row), 5).ShouldBe(original.Search(set.Row(row), 5));
        // Levels come from (seed, node number), so inserts after loading match inserts without the detour.
        var extra = RandomVectors.Gaussian(50, 32, seed: 2, firstId: 10_000);
        original.AddRange(extra);
        loaded.AddRange(extra);
        var a = Path.Combine(RepoPaths.NewTempDir(), "a.hnsw");
        var b = Path.Combine(RepoPaths.NewTempDir(), "b.hnsw");
        original.Save(a);
        loaded.Save(b);
        File.ReadAllBytes(a).ShouldBe(File.ReadAllBytes(b));
    }

    [Fact]
    public void Damaged_or_foreign_files_fail_with_a_clear_message()
    {
        var (set, _) = SyntheticEmbeddings.Generate(500, 16, seed: 1);
        var dir = RepoPaths.NewTempDir();
        var path = Path.Combine(dir, "index.hnsw");
        Build(set, Small).Save(path);
        var bytes = File.ReadAllBytes(path);

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path + ".flip", flipped);
        Should.Throw<InvalidDataException>(() => HnswIndex.Load(path + ".flip")).Message.ShouldContain("checksum");

        File.WriteAllBytes(path + ".cut", bytes[..(bytes.Length - 100)]);
        Should.Throw<InvalidDataException>(() => HnswIndex.Load(path + ".cut")).Message.ShouldContain("truncated");

        File.WriteAllBytes(path + ".npy", bytes[..4]);
        Should.Throw<InvalidDataException>(() => HnswIndex.Load(path + ".npy")).Message.ShouldContain("magic");
    }

    [Fact]
    public void Removed_vectors_are_never_returned_but_still_route_searches()
    {
        var (set, _) = SyntheticEmbeddings.Generate(3000, 32, seed: 4);
        var index = Build(set, Small);
        var removed = Enumerable.Range(0, set.Count).Where(r => r % 3 == 0).Select(r => (long)r).ToHashSet();
        foreach (long id in removed)
            index.Remove(id).ShouldBeTrue();
        index.Remove(0).ShouldBeFalse();
        index.Count.ShouldBe(set.Count - removed.Count);
        int selfFound = 0;
        for (int row = 0; row < set.Count; row += 7)
        {
            var top = index.Search(set.Row(row), 5);
            top.ShouldAllBe(n => !removed.Contains(n.Id));
            index.RangeSearch(set.Row(row), 0.3f).ShouldAllBe(n => !removed.Contains(n.Id));
            if (!removed.Contains(row) && top.Count > 0 && top[0].Id == row)
                selfFound++;
        }
        int liveQueried = Enumerable.Range(0, set.Count).Count(r => r % 7 == 0 && r % 3 != 0);
        selfFound.ShouldBeGreaterThanOrEqualTo((int)(0.98 * liveQueried));
        var pairs = new List<ScoredIdPair>();
        index.SelfJoin(0.5f, batch => pairs.AddRange(batch.ToArray()));
        pairs.ShouldAllBe(p => !removed.Contains(p.IdA) && !removed.Contains(p.IdB) && p.IdA < p.IdB);
    }

    [Fact]
    public void Exact_and_hnsw_indexes_are_interchangeable_behind_the_interface()
    {
        var (set, _) = SyntheticEmbeddings.Generate(1500, 32, seed: 6);
        var results = new List<HashSet<(long, long)>>();
        foreach (var method in new[] { SearchMethod.Exact, SearchMethod.Hnsw })
        {
            IVectorIndex index = new SearchConfig { Method = method, Hnsw = Small }.CreateIndex(32);
            for (int r = 0; r < set.Count; r++)
                index.Add(1000 + r, set.Row(r));
            index.Remove(1000).ShouldBeTrue();
            var pairs = new HashSet<(long, long)>();
            long n = index.SelfJoin(0.55f, batch => { foreach (var p in batch) pairs.Add((p.IdA, p.IdB)); });
            n.ShouldBe(pairs.Count);
            index.Search(set.Row(5), 1)[0].Id.ShouldBe(1005);
            results.Add(pairs);
        }
        results[0].Count.ShouldBeGreaterThan(500);
        results[0].SetEquals(results[1]).ShouldBeTrue();
    }

    [Fact]
    public void Bad_input_gives_clear_errors()
    {
        var index = new HnswIndex(4, Small);
        index.Add(1, [1, 0, 0, 0]);
        Should.Throw<ArgumentException>(() => index.Add(1, [0, 1, 0, 0])).Message.ShouldContain("already");
        Should.Throw<ArgumentException>(() => index.Add(2, [0, 0, 0])).Message.ShouldContain("dimension");
        Should.Throw<ArgumentException>(() => index.Add(3, [0, 0, 0, 0])).Message.ShouldContain("zero");
        Should.Throw<ArgumentException>(() => index.Search([1, 0], 3));
        Should.Throw<ArgumentOutOfRangeException>(() => new HnswIndex(4, new HnswOptions { M = 1 }));
        new HnswIndex(4).Search([1, 0, 0, 0], 3).ShouldBeEmpty();
    }
}
