namespace Doppel.Matching.Tests.Search;

/// <summary>
/// The contract every <see cref="IVectorSearch"/> keeps, run against each implementation: every pair it
/// reports is a true pair with its true score, each once, in canonical form; it finds at least
/// <see cref="RecallFloor"/> of the pairs and neighbours a brute-force double loop finds (1 for exact);
/// top-k rows are complete, best first, without the row itself; tiny inputs give nothing.
/// The data set is fixed: <see cref="SyntheticEmbeddings"/> (face-like identities, d = 64, seeded).
/// </summary>
public abstract class VectorSearchContract
{
    protected abstract IVectorSearch Search { get; }

    /// <summary>The share of brute force's pairs (and top-k neighbours) the search must find.</summary>
    protected abstract double RecallFloor { get; }

    protected abstract SearchMethod Method { get; }

    /// <summary>The share of the true 10 nearest neighbours <see cref="IVectorSearch.SelfTopK"/> must find.</summary>
    protected virtual double TopKRecallFloor => RecallFloor;

    /// <summary>Brute force runs in double precision and the kernels in float32: pairs this close to the
    /// threshold may fall either way and are not counted against either side.</summary>
    private const double Boundary = 1e-5;

    private const float Threshold = 0.5f;

    private static readonly VectorSet Faces = SyntheticEmbeddings.Generate(2500, 64, seed: 21).Vectors;

    [Fact]
    public void Method_names_the_implementation() => Search.Method.ShouldBe(Method);

    [Fact]
    public void Self_join_reports_true_pairs_once_and_finds_at_least_the_floor()
    {
        var pairs = Search.SelfJoin(Faces, Threshold);
        var truth = BruteForce.SelfJoin(Faces, Threshold);
        truth.Count.ShouldBeGreaterThan(5_000, "the generator should give many same-identity pairs");
        CheckPairs(pairs, truth, Faces, Faces, self: true);
    }

    [Fact]
    public void Streamed_self_join_counts_what_it_delivers()
    {
        long delivered = 0;
        long total = Search.SelfJoin(Faces, Threshold, batch => delivered += batch.Length);
        total.ShouldBe(delivered);
        total.ShouldBe(Search.SelfJoin(Faces, Threshold).Count);
    }

    [Fact]
    public void Cross_join_of_new_photos_against_a_reference_set_finds_at_least_the_floor()
    {
        // Every fifth face is a query (a new photo of a person the reference may hold); the rest are the reference.
        var queries = new VectorSet(Faces.Dimension);
        var reference = new VectorSet(Faces.Dimension);
        for (int r = 0; r < Faces.Count; r++)
            (r % 5 == 0 ? queries : reference).Add(r, Faces.Row(r));
        var pairs = Search.CrossJoin(queries, reference, Threshold);
        var truth = BruteForce.CrossJoin(queries, reference, Threshold);
        truth.Count.ShouldBeGreaterThan(1_000);
        CheckPairs(pairs, truth, queries, reference, self: false);
    }

    [Fact]
    public void Self_top_k_rows_are_complete_sorted_and_find_at_least_the_floor()
    {
        const int k = 10;
        var rows = Search.SelfTopK(Faces, k);
        rows.Length.ShouldBe(Faces.Count);
        long found = 0, wanted = 0;
        for (int r = 0; r < Faces.Count; r++)
        {
            var row = rows[r];
            row.Length.ShouldBe(k);
            row.ShouldAllBe(p => p.A == r && p.B != r);
            row.Select(p => p.B).Distinct().Count().ShouldBe(k);
            for (int i = 1; i < row.Length; i++)
                row[i].Score.ShouldBeLessThanOrEqualTo(row[i - 1].Score);
            foreach (var p in row)
                ((double)p.Score).ShouldBe(BruteForce.Dot(Faces.Row(r), Faces.Row(p.B)), Boundary);
            // The true k-th best score; a neighbour at least that good counts as found (ties at the cut are fine).
            var best = Enumerable.Range(0, Faces.Count).Where(c => c != r)
                .Select(c => BruteForce.Dot(Faces.Row(r), Faces.Row(c))).OrderDescending().Take(k).ToArray();
            wanted += k;
            found += row.Count(p => p.Score >= best[^1] - Boundary);
        }
        (found / (double)wanted).ShouldBeGreaterThanOrEqualTo(TopKRecallFloor);
    }

    [Fact]
    public void Tiny_inputs_give_no_pairs_and_short_top_k_rows()
    {
        var empty = new VectorSet(2);
        var one = new VectorSet(2);
        one.Add(7, [1, 0]);
        var two = new VectorSet(2);
        two.Add(1, [1, 0]);
        two.Add(2, [1, 0.1f]);
        Search.SelfJoin(empty, 0.5f).ShouldBeEmpty();
        Search.SelfJoin(one, 0.5f).ShouldBeEmpty();
        Search.CrossJoin(empty, one, 0.5f).ShouldBeEmpty();
        Search.CrossJoin(one, empty, 0.5f).ShouldBeEmpty();
        Search.SelfTopK(empty, 3).ShouldBeEmpty();
        Search.SelfTopK(one, 3).ShouldHaveSingleItem().ShouldBeEmpty();
        var top = Search.SelfTopK(two, 3);
        top[0].ShouldHaveSingleItem().B.ShouldBe(1);
        top[1].ShouldHaveSingleItem().B.ShouldBe(0);
        Search.SelfJoin(two, 0.9f).ShouldHaveSingleItem().ShouldBe(new ScoredPair(0, 1, top[0][0].Score));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Should.Throw<ArgumentException>(() => Search.SelfJoin(Faces, float.NaN));
        Should.Throw<ArgumentException>(() => Search.CrossJoin(Faces, new VectorSet(3), 0.5f));
        Should.Throw<ArgumentOutOfRangeException>(() => Search.SelfTopK(Faces, 0));
    }

    private void CheckPairs(IReadOnlyList<ScoredPair> pairs, List<(int A, int B, double Score)> truth, VectorSet a, VectorSet b, bool self)
    {
        pairs.Select(p => (p.A, p.B)).Distinct().Count().ShouldBe(pairs.Count, "each pair once");
        foreach (var p in pairs)
        {
            if (self)
                p.A.ShouldBeLessThan(p.B);
            double score = BruteForce.Dot(a.Row(p.A), b.Row(p.B));
            ((double)p.Score).ShouldBe(score, Boundary);
            score.ShouldBeGreaterThanOrEqualTo(Threshold - Boundary, "a reported pair is a true pair");
        }
        var found = pairs.Select(p => (p.A, p.B)).ToHashSet();
        var clear = truth.Where(t => t.Score >= Threshold + Boundary).ToList();
        (clear.Count(t => found.Contains((t.A, t.B))) / (double)clear.Count).ShouldBeGreaterThanOrEqualTo(RecallFloor);
    }
}

public class ExactSearchContractTests : VectorSearchContract
{
    protected override IVectorSearch Search => VectorSearch.Exact;
    protected override double RecallFloor => 1.0;
    protected override SearchMethod Method => SearchMethod.Exact;

    [Fact]
    public void Exact_search_is_the_exact_join_bit_for_bit()
    {
        // What keeps persons, clusters and findings identical to the direct kernel calls they replaced.
        var (set, _) = SyntheticEmbeddings.Generate(1500, 48, seed: 4);
        Search.SelfJoin(set, 0.5f).ShouldBe(ExactJoin.SelfJoin(set, 0.5f));
        var queries = SyntheticEmbeddings.Generate(300, 48, seed: 5).Vectors;
        Search.CrossJoin(queries, set, 0.4f).ShouldBe(ExactJoin.CrossJoin(queries, set, 0.4f));
        var top = Search.SelfTopK(set, 7);
        var direct = ExactJoin.SelfTopK(set, 7);
        for (int r = 0; r < set.Count; r++)
            top[r].ShouldBe(direct[r]);
        SearchConfig.Default.CreateSearch().ShouldBeSameAs(VectorSearch.Exact);
    }
}

/// <summary>HNSW with the production options: floor 0.99 of pairs and of the 10 nearest neighbours, the floor
/// HnswIndexTests holds the self-join to (measured on this set 2026-12-07: self-join 1.000, cross-join 1.000,
/// top-10 0.9995).</summary>
public class HnswSearchContractTests : VectorSearchContract
{
    protected override IVectorSearch Search { get; } = SearchConfig.Parse("hnsw").CreateSearch();
    protected override double RecallFloor => 0.99;
    protected override SearchMethod Method => SearchMethod.Hnsw;
}

/// <summary>IVF with the production options (4·√N cells, margin 0.2): 0.99 of pairs, the floor IvfJoinTests
/// holds the self-join to at 12k vectors. Its probes are chosen for threshold joins (cells within 0.2 of the
/// best), so the 10th neighbour of a face with few look-alikes, another identity's face, often lies outside
/// them: top-10 recall measured 0.939 on this set (2026-12-07), floor 0.92 (self-join 1.000, cross-join 0.9987).</summary>
public class IvfSearchContractTests : VectorSearchContract
{
    protected override IVectorSearch Search { get; } = SearchConfig.Parse("ivf").CreateSearch();
    protected override double RecallFloor => 0.99;
    protected override double TopKRecallFloor => 0.92;
    protected override SearchMethod Method => SearchMethod.Ivf;
}
