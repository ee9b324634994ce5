using Doppel.Matching.IO;
using Doppel.Testing;

namespace Doppel.Matching.Tests.IO;

public class LabelsCsvTests
{
    [Fact]
    public void Labels_round_trip_with_quoted_commas_and_a_header()
    {
        var path = Path.Combine(RepoPaths.NewTempDir(), "labels.csv");
        var labels = new Dictionary<string, string>
        {
            ["lfw/Ann/Ann_0001.jpg"] = "Ann",
            ["odd, name \"x\".jpg"] = "Bob, Jr.",
        };
        LabelsCsv.Write(path, labels);
        File.ReadAllLines(path)[0].ShouldBe("path,identity");
        LabelsCsv.Read(path).ShouldBe(labels, ignoreOrder: true);
    }

    [Fact]
    public void Headerless_files_are_read_and_bad_lines_name_their_number()
    {
        var path = Path.Combine(RepoPaths.NewTempDir(), "labels.csv");
        File.WriteAllLines(path, ["a.jpg,Ann", "b.jpg,Bob"]);
        LabelsCsv.Read(path).Count.ShouldBe(2);
        File.WriteAllLines(path, ["a.jpg,Ann", "b.jpg"]);
        Should.Throw<InvalidDataException>(() => LabelsCsv.Read(path)).Message.ShouldContain(":2:");
        File.WriteAllLines(path, ["a.jpg,Ann", "a.jpg,Bob"]);
        Should.Throw<InvalidDataException>(() => LabelsCsv.Read(path)).Message.ShouldContain("labelled twice");
    }

    /// <summary>An export names vectors by the absolute path they were scanned at; a labels CSV lists paths relative to
    /// its own folder. The labels are rekeyed to full paths then, and only then.</summary>
    [Fact]
    public void Labels_relative_to_their_folder_match_ids_that_are_absolute_paths()
    {
        var dir = RepoPaths.NewTempDir();
        var path = Path.Combine(dir, "labels.csv");
        LabelsCsv.Write(path, new Dictionary<string, string> { ["images/Ann/1.jpg"] = "Ann", ["images/Bob/1.jpg"] = "Bob" });
        var labels = LabelsCsv.Read(path);

        string[] absolute = [Path.Combine(dir, "images", "Ann", "1.jpg") + "#0", Path.Combine(dir, "images", "Bob", "1.jpg")];
        var keyed = LabelsCsv.KeyedLike(labels, absolute, path);
        Doppel.Matching.Metrics.ClusterEvaluation.IdentitiesOf(absolute, keyed).ShouldBe(["Ann", "Bob"]);
        keyed.Count.ShouldBe(2);
        // Ids that already are the labels' keys keep the labels as read.
        LabelsCsv.KeyedLike(labels, ["images/Ann/1.jpg#1", "images/Bob/1.jpg"], path).ShouldBeSameAs(labels);
        // Ids under another folder resolve no better: the labels as read, and the evaluation names what is missing.
        string[] elsewhere = ["/elsewhere/images/Ann/1.jpg"];
        LabelsCsv.KeyedLike(labels, elsewhere, path).ShouldBeSameAs(labels);
        Should.Throw<InvalidDataException>(() => Doppel.Matching.Metrics.ClusterEvaluation.IdentitiesOf(elsewhere, labels)).Message.ShouldContain("have no label");
    }
}
