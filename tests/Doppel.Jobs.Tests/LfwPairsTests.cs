using Doppel.Jobs.Evaluation;
using Doppel.Testing;

namespace Doppel.Jobs.Tests;

public class LfwPairsTests
{
    [Fact]
    public void ParsesView2LayoutIntoFolds()
    {
        var file = LfwPairs.Parse(["2 1", "A 1 2", "A 1 B 3", "C 2 4", "C 1 D 1"]);
        file.Folds.ShouldBe(2);
        file.Pairs.Count.ShouldBe(4);
        file.Pairs[0].ShouldBe(new LfwPair("A/A_0001.jpg", "A/A_0002.jpg", true, 0));
        file.Pairs[1].ShouldBe(new LfwPair("A/A_0001.jpg", "B/B_0003.jpg", false, 0));
        file.Pairs[3].ShouldBe(new LfwPair("C/C_0001.jpg", "D/D_0001.jpg", false, 1));
    }

    [Fact]
    public void RejectsACountThatDisagreesWithTheHeader() =>
        Should.Throw<FormatException>(() => LfwPairs.Parse(["2", "A 1 2", "A 1 B 3"])).Message.ShouldContain("promises 4");

    [Fact]
    public void RejectsAMalformedLine() =>
        Should.Throw<FormatException>(() => LfwPairs.Parse(["1", "A 1", "A 1 B 3"])).Message.ShouldContain("name i j");

    [Fact]
    public void ReadsTheRealDevSplit()
    {
        var dir = SharedData.Require("data/lfw-dev");
        var train = LfwPairs.Read(Path.Combine(dir, "pairsDevTrain.txt"));
        var test = LfwPairs.Read(Path.Combine(dir, "pairsDevTest.txt"));
        train.Pairs.Count.ShouldBe(2200);
        train.Pairs.Count(p => p.Same).ShouldBe(1100);
        test.Pairs.Count.ShouldBe(1000);
        foreach (var p in train.Pairs.Concat(test.Pairs))
        {
            File.Exists(Path.Combine(dir, "images", p.ImageA)).ShouldBeTrue(p.ImageA);
            File.Exists(Path.Combine(dir, "images", p.ImageB)).ShouldBeTrue(p.ImageB);
        }
    }
}
