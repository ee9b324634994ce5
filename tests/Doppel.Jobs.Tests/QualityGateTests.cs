using Doppel.Jobs.Dedup;
using Doppel.Storage;

namespace Doppel.Jobs.Tests;

public class QualityGateTests
{
    private static FaceRecord Face(long id, long media, float? quality) =>
        new(id, media, 0, new FaceBox(0, 0, 10, 10), null, "test", 0.9f, quality, null, null, [], null, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Faces_below_the_minimum_are_not_matched_and_images_left_without_one_are_low_quality()
    {
        FaceRecord[] faces = [Face(1, 10, 0.9f), Face(2, 11, 0.2f), Face(3, 11, 0.1f), Face(4, 12, 0.2f), Face(5, 12, 0.6f), Face(6, 13, null)];
        var (matchable, low) = QualityGate.Split(faces, 0.5f);
        matchable.Select(f => f.Id).ShouldBe([1L, 5, 6]);   // an unknown quality is not a low one
        low.Keys.ShouldBe([11L]);
        low[11].ShouldBe(0.2f);                            // the image's best face

        var (all, none) = QualityGate.Split(faces, null);
        all.Count.ShouldBe(6);
        none.ShouldBeEmpty();
    }
}
