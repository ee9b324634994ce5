using Doppel.Identities.Curation;

namespace Doppel.Identities.Tests;

public class CurationSetTests
{
    /// <summary>dlib-like vectors: a large offset shared by every face, so strangers have cosine about 0.9.</summary>
    private static float[] Face(int identityAxis, float jitter)
    {
        var v = new float[8];
        v[0] = 3;
        v[identityAxis] = 1;
        v[7] = jitter;
        return v;
    }

    [Fact]
    public void CentringFindsAMislabelThatRawCosinesInANarrowConeHide()
    {
        var faces = new List<LabelledFace>();
        for (int i = 0; i < 5; i++)
        {
            faces.Add(new LabelledFace($"a{i}", "A", Face(1, i * 0.05f), 0.5f + i * 0.1f));
            faces.Add(new LabelledFace($"b{i}", "B", Face(2, i * 0.05f), 0.5f));
        }
        faces.Add(new LabelledFace("b-filed-as-a", "A", Face(2, 0.02f), 0.9f));
        var options = new CurationOptions { Keep = 2, Redundancy = 1.01f }; // the synthetic faces are near-copies of each other

        // The identity alone, on raw vectors: every cosine is about 0.9, above the 0.2 mislabel floor.
        var raw = IdentityCuration.Curate(faces.Where(f => f.Identity == "A").Select(f => new CurationFace(f.Path, Normalised(f.Vector), f.Quality)).ToList(), options);
        raw.Decisions.Single(d => d.Id == "b-filed-as-a").Reason.ShouldNotBe("mislabelled");

        var result = CurationSet.Curate(faces, options);
        var reasons = result.Decisions.ToDictionary(d => d.Face.Path, d => d.Decision.Reason);
        reasons["b-filed-as-a"].ShouldBe("mislabelled");
        reasons.Count(r => r.Value == "mislabelled").ShouldBe(1);
        result.Decisions.Count(d => d.Face.Identity == "A" && d.Decision.Kept).ShouldBe(2);
        result.Templates.Keys.Order(StringComparer.Ordinal).ShouldBe(["A", "B"]);
        // Templates stay in the recogniser's space: A's is near A's raw faces, not a centred direction.
        float cos = 0;
        var a0 = Normalised(Face(1, 0));
        for (int d = 0; d < 8; d++) cos += result.Templates["A"][d] * a0[d];
        cos.ShouldBeGreaterThan(0.99f);
    }

    private static float[] Normalised(float[] v)
    {
        float n = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / n).ToArray();
    }
}
