using System.Globalization;
using System.Text;
using Doppel.Application.Evaluation;
using Doppel.Matching;
using Doppel.Matching.Clustering;
using Doppel.Matching.IO;
using Doppel.Testing;
using Doppel.Vision.Pipeline;

namespace Doppel.Application.Tests;

/// <summary>The evaluation use cases on vectors (no model): settings, validation, the search seam, the dump.</summary>
public class EvaluationHandlerTests
{
    private static FacePipeline NoPipeline() => throw new InvalidOperationException("embeddings need no pipeline");

    /// <summary>300 face-like vectors of synthetic identities as .npy + ids, and their labels CSV.</summary>
    private static (string Npy, string Labels, int[] Identities, VectorSet Vectors) Fixture()
    {
        var dir = RepoPaths.NewTempDir();
        var (vectors, identities) = SyntheticEmbeddings.Generate(300, 128, seed: 3);
        var ids = Enumerable.Range(0, vectors.Count).Select(i => $"img/{identities[i]}/{i}.jpg").ToArray();
        var npy = Path.Combine(dir, "faces.npy");
        EmbeddingFiles.WriteNpy(new EmbeddingSet(ids, vectors.Data.ToArray(), vectors.Dimension), npy);
        var labels = Path.Combine(dir, "labels.csv");
        LabelsCsv.Write(labels, ids.Select((id, i) => KeyValuePair.Create(id, $"person{identities[i]}")));
        return (npy, labels, identities, vectors);
    }

    [Theory]
    [InlineData(ClusterAlgorithm.Dbscan, SearchMethod.Exact)]
    [InlineData(ClusterAlgorithm.Dbscan, SearchMethod.Hnsw)]
    [InlineData(ClusterAlgorithm.Dbscan, SearchMethod.Ivf)]
    [InlineData(ClusterAlgorithm.Incremental, SearchMethod.Hnsw)]
    public void Clustering_embeddings_scores_well_separated_identities_with_every_search(ClusterAlgorithm algorithm, SearchMethod method)
    {
        var (npy, labels, _, _) = Fixture();
        var search = new SearchConfig { Method = method }.CreateSearch();
        var outcome = new EvaluateClusteringHandler(NoPipeline).Handle(
            new EvaluateClusteringCommand(labels, "synthetic", algorithm) { EmbeddingsFile = npy, Eps = 0.5f, MinSamples = 2, Search = search });

        outcome.Settings.Search.ShouldBeSameAs(search);
        outcome.Settings.Eps.ShouldBe(0.5f);
        outcome.Tuned.ShouldBeFalse();
        outcome.Detector.ShouldBeNull();
        outcome.Result.Scores.Items.ShouldBe(300);
        // Synthetic identities: same-identity cosine 0.6–0.8, others about 0 ± 0.09 at d = 128.
        outcome.Result.Scores.Pairwise.F.ShouldBeGreaterThan(0.98);
        outcome.Result.Scores.BCubed.F.ShouldBeGreaterThan(0.98);
    }

    [Fact]
    public void Clustering_with_exact_search_gives_the_labels_of_the_direct_algorithm()
    {
        var (npy, labels, _, vectors) = Fixture();
        var outcome = new EvaluateClusteringHandler(NoPipeline).Handle(
            new EvaluateClusteringCommand(labels, "synthetic", ClusterAlgorithm.Dbscan) { EmbeddingsFile = npy, Eps = 0.5f, MinSamples = 2 });
        outcome.Result.Labels.ShouldBe(Dbscan.Cluster(vectors, 0.5f, 2));
    }

    [Theory]
    [InlineData(0, null, "--min-samples must be at least 1.")]
    [InlineData(2, -0.1f, "--eps must not be negative.")]
    public void Clustering_refuses_bad_settings_before_reading_anything(int minSamples, float? eps, string message)
    {
        var command = new EvaluateClusteringCommand("/nonexistent/labels.csv", "synthetic", ClusterAlgorithm.Dbscan)
        {
            EmbeddingsFile = "/nonexistent/faces.npy", MinSamples = minSamples, Eps = eps,
        };
        Should.Throw<ArgumentException>(() => new EvaluateClusteringHandler(NoPipeline).Handle(command)).Message.ShouldBe(message);
    }

    [Fact]
    public void Clustering_needs_exactly_one_source_of_faces()
    {
        var (npy, labels, _, _) = Fixture();
        Should.Throw<ArgumentException>(() => new EvaluateClusteringHandler(NoPipeline).Handle(
            new EvaluateClusteringCommand(labels, "synthetic", ClusterAlgorithm.Dbscan) { EmbeddingsFile = npy, ImagesDir = "/tmp" }));
        Should.Throw<ArgumentException>(() => new EvaluateClusteringHandler(NoPipeline).Handle(
            new EvaluateClusteringCommand(labels, "synthetic", ClusterAlgorithm.Dbscan)));
    }

    [Fact]
    public void Classifier_from_a_dump_identifies_synthetic_identities_and_rejects_unknown_ones()
    {
        var (_, _, identities, vectors) = Fixture();
        // A dump as eval classify --dump writes it: identities 0-19 known (two train photos, the rest test), the others unknown.
        var csv = new StringBuilder("role,identity,path,vector\n");
        var seen = new Dictionary<int, int>();
        for (int i = 0; i < vectors.Count; i++)
        {
            int id = identities[i];
            int n = seen[id] = seen.GetValueOrDefault(id) + 1;
            string role = id >= 20 ? "unknown" : n <= 2 ? "train" : "test";
            csv.Append(role).Append(",person").Append(id).Append(",img/").Append(i).Append(".jpg,")
                .Append(string.Join(' ', vectors.Row(i).ToArray().Select(x => x.ToString("R", CultureInfo.InvariantCulture)))).Append('\n');
        }
        var dump = Path.Combine(RepoPaths.NewTempDir(), "dump.csv");
        File.WriteAllText(dump, csv.ToString());

        var outcome = new EvaluateClassifierHandler(NoPipeline).Handle(new EvaluateClassifierCommand("template", Seed: 1) { VectorsFile = dump });

        outcome.Model.ShouldBe("dump");
        outcome.WithoutFace.ShouldBe(0);
        outcome.Result.Identities.ShouldBeGreaterThan(5);
        outcome.Result.Accuracy.ShouldBeGreaterThan(0.95);
        outcome.Result.UnknownRejected.ShouldBeGreaterThan(0.9);
    }

    [Fact]
    public void Classifier_refuses_a_malformed_dump_with_its_line()
    {
        var dump = Path.Combine(RepoPaths.NewTempDir(), "dump.csv");
        File.WriteAllText(dump, "role,identity,path,vector\nsomething,a,b\n");
        Should.Throw<FormatException>(() => new EvaluateClassifierHandler(NoPipeline).Handle(new EvaluateClassifierCommand("template", 1) { VectorsFile = dump }))
            .Message.ShouldContain(":2: expected 'role,identity,path,vector'");
    }
}
