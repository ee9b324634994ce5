using Doppel.Matching.Clustering;

namespace Doppel.Matching.Tests.Clustering;

public class AverageClusteringTests
{
    /// <summary>Unit vectors in the plane at these angles (degrees): cosine = cos of the angle between them.</summary>
    private static VectorSet AtAngles(params double[] degrees)
    {
        var set = new VectorSet(2);
        for (int i = 0; i < degrees.Length; i++)
            set.Add(i, [(float)Math.Cos(degrees[i] * Math.PI / 180), (float)Math.Sin(degrees[i] * Math.PI / 180)]);
        return set;
    }

    private static float DistanceAt(double degrees) => 1f - (float)Math.Cos(degrees * Math.PI / 180);

    [Fact]
    public void A_chain_whose_ends_do_not_match_is_split_where_dbscan_joins_it()
    {
        // 0°–10°–20°: each neighbour pair within 12°, the ends 20° apart.
        var set = AtAngles(0, 10, 20, 90);
        float eps = DistanceAt(12);
        Dbscan.Cluster(set, eps, 2).ShouldBe([0, 0, 0, -1]);
        var labels = AverageClustering.Cluster(set, eps);
        // Mean similarity of {0°, 10°} to 20° is (cos 20° + cos 10°) / 2, below cos 12°: the end stays out.
        labels[0].ShouldBe(labels[1]);
        labels[0].ShouldBeGreaterThanOrEqualTo(0);
        labels[2].ShouldBe(Dbscan.Noise);
        labels[3].ShouldBe(Dbscan.Noise);
    }

    [Fact]
    public void Level_offsets_lower_a_hub_face_s_scores_and_raise_a_lonely_one_s()
    {
        var set = AtAngles(0, 10, 40, 52);
        float eps = DistanceAt(11);
        // Raw: 0°–10° within 11°, 40°–52° not.
        AverageClustering.Cluster(set, eps).ShouldBe([0, 0, -1, -1]);
        // Face 0 sits close to many strangers (a hub, level above the reference) and faces 2 and 3 far from everyone:
        // the levelled similarity cos − mean offset moves 0°–10° below the cut and 40°–52° above it.
        float lift = (float)(Math.Cos(12 * Math.PI / 180) - Math.Cos(11 * Math.PI / 180)) - 0.001f;
        AverageClustering.Cluster(set, eps, [0.01f, 0f, lift, lift]).ShouldBe([-1, -1, 0, 0]);
    }

    [Fact]
    public void Offsets_must_match_the_vectors_and_the_distance_must_be_a_cosine_distance()
    {
        var set = AtAngles(0, 10);
        Should.Throw<ArgumentException>(() => AverageClustering.Cluster(set, 0.1f, [0f]));
        Should.Throw<ArgumentOutOfRangeException>(() => AverageClustering.Cluster(set, -0.1f));
        AverageClustering.Cluster(AtAngles(5), 0.1f).ShouldBe([-1]);
    }
}
