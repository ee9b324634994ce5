using Doppel.Matching.IO;
using Doppel.Testing;

namespace Doppel.Matching.Tests.IO;

/// <summary>The real LFW development files in ../shared parse into what their READMEs promise.</summary>
public class LfwFilesTests
{
    [Fact]
    public void Dev_labels_name_an_identity_for_every_image_path()
    {
        var labels = LabelsCsv.Read(SharedData.Require("data/lfw-dev/labels.csv"));
        labels.Count.ShouldBe(4992);
        labels.ShouldAllBe(kv => kv.Key.StartsWith("images/" + kv.Value + "/" + kv.Value + "_"));
    }

    [Theory]
    [InlineData("pairsDevTrain.txt", 1100)]
    [InlineData("pairsDevTest.txt", 500)]
    public void Dev_pairs_are_half_same_half_different_and_agree_with_the_labels(string file, int perSide)
    {
        var root = SharedData.Require("data/lfw-dev");
        var (pairs, folds) = LfwPairs.Read(Path.Combine(root, file));
        pairs.Count.ShouldBe(2 * perSide);
        pairs.Count(p => p.Same).ShouldBe(perSide);
        folds.ShouldAllBe(f => f == 0);
        var labels = LabelsCsv.Read(Path.Combine(root, "labels.csv"));
        foreach (var p in pairs)
            (labels[p.PathA] == labels[p.PathB]).ShouldBe(p.Same, $"{p.PathA} / {p.PathB}");
    }

    [Fact]
    public void View_2_headers_give_each_pair_its_fold()
    {
        var path = Path.Combine(RepoPaths.NewTempDir(), "pairs.txt");
        File.WriteAllLines(path, ["2\t1", "Ann\t1\t2", "Ann\t1\tBob\t3", "Cy\t2\t4", "Cy\t1\tDee\t1"]);
        var (pairs, folds) = LfwPairs.Read(path);
        folds.ShouldBe([0, 0, 1, 1]);
        pairs[1].ShouldBe(new ImagePair("images/Ann/Ann_0001.jpg", "images/Bob/Bob_0003.jpg", false));
        File.WriteAllLines(path, ["1", "Ann\t1\t2", "Ann\t1\t3"]);
        Should.Throw<InvalidDataException>(() => LfwPairs.Read(path)).Message.ShouldContain(":3:");
    }
}
