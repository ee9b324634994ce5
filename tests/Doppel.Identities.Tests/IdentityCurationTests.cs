using Doppel.Identities.Curation;

namespace Doppel.Identities.Tests;

public class IdentityCurationTests
{
    /// <summary>A unit vector near <paramref name="axis"/>, pushed off it by <paramref name="noise"/>.</summary>
    private static float[] Near(int axis, float noise, Random rng, int dim = 32)
    {
        var v = new float[dim];
        v[axis] = 1;
        for (int d = 0; d < dim; d++) v[d] += (float)(rng.NextDouble() * 2 - 1) * noise;
        float n = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / n).ToArray();
    }

    [Fact]
    public void Drops_low_quality_mislabels_and_near_copies_then_keeps_k()
    {
        var rng = new Random(5);
        var faces = new List<CurationFace>();
        for (int i = 0; i < 8; i++) faces.Add(new($"own{i}", Near(0, 0.2f, rng), 0.5f + i * 0.05f));
        var copy = faces[7].Vector.ToArray();
        copy[5] += 0.01f;
        faces.Add(new("copy-of-own7", copy, 0.4f));                 // near-copy of the best face, worse quality
        faces.Add(new("someone-else", Near(3, 0.2f, rng), 0.9f));   // mislabelled: another person's axis
        faces.Add(new("blurred", Near(0, 0.2f, rng), 0.05f));       // below the quality floor

        var (decisions, template) = IdentityCuration.Curate(faces, new CurationOptions { Keep = 4, MinQuality = 0.1f, Mislabel = 0.3f, Redundancy = 0.99f });
        var byId = decisions.ToDictionary(d => d.Id);
        byId["blurred"].Reason.ShouldBe("low_quality");
        byId["someone-else"].Reason.ShouldBe("mislabelled");
        byId["copy-of-own7"].Reason.ShouldBe("redundant");
        decisions.Count(d => d.Kept).ShouldBe(4);
        decisions.Count(d => d.Reason == "surplus").ShouldBe(4);
        template.ShouldNotBeNull();
        template![0].ShouldBeGreaterThan(0.7f); // the identity's axis
        template[3].ShouldBeLessThan(0.3f);
    }

    [Fact]
    public void Kfold_subset_represents_the_left_out_faces_at_least_as_well_as_the_best_quality_faces()
    {
        // Two poses of one person: the best-quality faces are all of one pose; the k-fold rule should
        // pick a subset whose template also covers the other pose.
        var rng = new Random(9);
        var faces = new List<CurationFace>();
        for (int i = 0; i < 6; i++) faces.Add(new($"front{i}", Near(0, 0.15f, rng), 0.9f - i * 0.01f));
        for (int i = 0; i < 6; i++) faces.Add(new($"side{i}", Near(1, 0.15f, rng), 0.5f - i * 0.01f));
        for (int i = 0; i < 12; i++)
        {
            var v = faces[i].Vector; // give both poses a shared identity direction
            v[2] += 1.2f;
            float n = MathF.Sqrt(v.Sum(x => x * x));
            for (int d = 0; d < v.Length; d++) v[d] /= n;
        }
        double Coverage(float[] template) => faces.Average(f => f.Vector.Zip(template).Sum(p => p.First * p.Second));
        var all = Enumerable.Range(0, faces.Count).ToList();
        var kfold = IdentityCuration.KFoldSubset(faces, all, 4, 4);
        var byQuality = all.OrderByDescending(i => faces[i].Quality).Take(4).ToList();
        kfold.Count.ShouldBe(4);
        kfold.ShouldContain(i => faces[i].Id.StartsWith("side"));
        Coverage(IdentityCuration.Template(faces, kfold)).ShouldBeGreaterThan(Coverage(IdentityCuration.Template(faces, byQuality)));
    }
}
