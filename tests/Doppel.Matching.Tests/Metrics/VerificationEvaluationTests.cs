using Doppel.Matching.IO;
using Doppel.Matching.Metrics;

namespace Doppel.Matching.Tests.Metrics;

public class VerificationEvaluationTests
{
    [Fact]
    public void Pairs_are_scored_by_cosine_of_their_images_embeddings()
    {
        var set = new EmbeddingSet(["a.jpg#0", "b.jpg", "c.jpg#0"], [1f, 0f, 3f, 4f, 0f, 2f], 2);
        var pairs = new[] { new ImagePair("a.jpg", "b.jpg", true), new ImagePair("b.jpg", "c.jpg#0", false) };
        VerificationEvaluation.Score(set, pairs).ShouldBe([0.6, 0.8], 1e-6);
        Should.Throw<InvalidDataException>(() => VerificationEvaluation.Score(set, [new ImagePair("a.jpg", "zz.jpg", true)]))
            .Message.ShouldContain("zz.jpg");
    }

    [Fact]
    public void Summary_gathers_the_hand_checked_figures()
    {
        double[] scores = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3];
        bool[] same = [true, false, true, true, false, false];
        var s = VerificationEvaluation.Summarize(scores, same);
        s.Pairs.ShouldBe(6);
        s.Auc.ShouldBe(7.0 / 9, 1e-12);
        s.EqualErrorRate.ShouldBe(1.0 / 3, 1e-12);
        s.TarAtFar1e2.TrueAcceptRate.ShouldBe(1.0 / 3, 1e-12);
        s.Accuracy.ShouldBe(5.0 / 6, 1e-12);
        s.Threshold.ShouldBe(0.5, 1e-12);
    }
}
