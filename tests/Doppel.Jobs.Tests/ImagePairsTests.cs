using Doppel.Jobs.Dedup;
using Doppel.Matching;

namespace Doppel.Jobs.Tests;

public class ImagePairsTests
{
    // Faces: rows 0,1 in image 10; row 2 in image 20; row 3 in image 30.
    private static readonly FaceRef[] Faces = [new(100, 10), new(101, 10), new(200, 20), new(300, 30)];

    [Fact]
    public void KeepsTheBestFacePairPerImagePairAndDropsSameImagePairs()
    {
        var pairs = ImagePairs.FromFacePairs(
            [new ScoredPair(0, 1, 0.99f), new ScoredPair(0, 2, 0.70f), new ScoredPair(1, 2, 0.80f), new ScoredPair(2, 3, 0.75f)],
            Faces);
        pairs.ShouldBe([new ImagePair(10, 20, 101, 200, 0.80f), new ImagePair(20, 30, 200, 300, 0.75f)]);
    }

    [Fact]
    public void NormalisesOrderSoTheSmallerMediaComesFirst()
    {
        var pairs = ImagePairs.FromFacePairs([new ScoredPair(3, 0, 0.9f)], Faces);
        pairs.ShouldBe([new ImagePair(10, 30, 100, 300, 0.9f)]);
    }

    [Fact]
    public void IgnoredPairsAreDropped()
    {
        var pairs = ImagePairs.FromFacePairs([new ScoredPair(0, 2, 0.9f), new ScoredPair(2, 3, 0.8f)], Faces, (a, b) => a == 10 && b == 20);
        pairs.ShouldBe([new ImagePair(20, 30, 200, 300, 0.8f)]);
    }
}
