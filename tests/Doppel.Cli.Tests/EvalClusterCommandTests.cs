using System.Text.Json;
using Doppel.Cli.Commands;
using Doppel.Matching;
using Doppel.Matching.IO;
using Doppel.Testing;

namespace Doppel.Cli.Tests;

public class EvalClusterCommandTests
{
    /// <summary>Face-like embeddings of a few identities written as .npy + ids + labels CSV.</summary>
    private static (string Npy, string Labels) WriteFixture()
    {
        var dir = RepoPaths.NewTempDir();
        var (vectors, identities) = SyntheticEmbeddings.Generate(300, 128, seed: 3);
        var ids = Enumerable.Range(0, vectors.Count).Select(i => $"img/{identities[i]}/{i}.jpg#0").ToArray();
        var npy = Path.Combine(dir, "faces.npy");
        EmbeddingFiles.WriteNpy(new EmbeddingSet(ids, vectors.Data.ToArray(), vectors.Dimension), npy);
        var labels = Path.Combine(dir, "labels.csv");
        // Labels are keyed by image path; the '#0' face suffix of each id falls back to it.
        LabelsCsv.Write(labels, ids.Select((id, i) => KeyValuePair.Create(id[..id.IndexOf('#')], $"person{identities[i]}")));
        return (npy, labels);
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var root = new System.CommandLine.RootCommand { EvalCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        int code = root.Parse(args).Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("dbscan")]
    [InlineData("hdbscan")]
    [InlineData("incremental")]
    [InlineData("average")]
    public void Json_report_scores_well_separated_identities_perfectly(string algorithm)
    {
        var (npy, labels) = WriteFixture();
        // Synthetic vectors come from no catalogued model, so the model's tuned ε does not apply: give the synthetic one
        // (and, for average, no profile levels them: raw cosine).
        var (code, output, error) = Run("eval", "cluster", "--embeddings", npy, "--labels", labels, "--algorithm", algorithm, "--eps", "0.5",
            "--model", "synthetic", "--json");
        error.ShouldBeEmpty();
        code.ShouldBe(0);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        r.GetProperty("items").GetInt32().ShouldBe(300);
        // Synthetic identities: same-identity cosine 0.6–0.8, others about 0 ± 0.09 at d = 128.
        r.GetProperty("pairwise_f").GetDouble().ShouldBeGreaterThan(0.98);
        r.GetProperty("bcubed_f").GetDouble().ShouldBeGreaterThan(0.98);
        r.GetProperty("true_persons").GetInt32().ShouldBeGreaterThan(r.GetProperty("persons").GetInt32());
        foreach (var key in new[] { "pairwise_precision", "pairwise_recall", "bcubed_precision", "bcubed_recall", "true_persons_with_2_or_more" })
            r.TryGetProperty(key, out _).ShouldBeTrue(key);
    }

    [Fact]
    public void Text_report_names_the_scores_and_the_person_counts()
    {
        var (npy, labels) = WriteFixture();
        var (code, output, _) = Run("eval", "cluster", "--embeddings", npy, "--labels", labels, "--algorithm", "dbscan", "--eps", "0.5", "--min-samples", "2");
        code.ShouldBe(0);
        output.ShouldContain("dbscan eps=0.5 min_samples=2 on 300 faces");
        output.ShouldContain("pairwise  P=");
        output.ShouldContain("BCubed    P=");
        output.ShouldContain("persons   found");
    }

    [Fact]
    public void Missing_files_unlabelled_ids_and_bad_options_are_clear_errors()
    {
        var (npy, labels) = WriteFixture();
        var missing = Run("eval", "cluster", "--embeddings", npy + ".gone.npy", "--labels", labels);
        missing.Code.ShouldBe(1);
        missing.Error.ShouldContain("does not exist");

        var partial = Path.Combine(Path.GetDirectoryName(labels)!, "partial.csv");
        File.WriteAllLines(partial, File.ReadAllLines(labels).Take(10));
        var unlabelled = Run("eval", "cluster", "--embeddings", npy, "--labels", partial);
        unlabelled.Code.ShouldBe(1);
        unlabelled.Error.ShouldContain("have no label");

        // A catalog's export names vectors by absolute path; labels relative to the CSV's folder still find them.
        var dir = Path.GetDirectoryName(labels)!;
        var set = EmbeddingFiles.Read(npy);
        var absoluteNpy = Path.Combine(dir, "absolute.npy");
        EmbeddingFiles.WriteNpy(new EmbeddingSet([.. set.Ids.Select(id => Path.Combine(dir, id))], set.Vectors.ToArray(), set.Dimension), absoluteNpy);
        var absolute = Run("eval", "cluster", "--embeddings", absoluteNpy, "--labels", labels, "--json", "--algorithm", "dbscan", "--eps", "0.5");
        absolute.Error.ShouldBeEmpty();
        absolute.Code.ShouldBe(0);
        JsonDocument.Parse(absolute.Output).RootElement.GetProperty("items").GetInt32().ShouldBe(300);

        Run("eval", "cluster", "--embeddings", npy, "--labels", labels, "--algorithm", "kmeans").Code.ShouldNotBe(0);
        Run("eval", "cluster", "--embeddings", npy, "--labels", labels, "--min-samples", "0").Error.ShouldContain("--min-samples");
    }
}
