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
}
