namespace Doppel.Matching.Tests.Search;

/// <summary>The obvious double loop in double precision: the oracle the fast paths are checked against.</summary>
internal static class BruteForce
{
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
            s += (double)a[i] * b[i];
        return s;
    }

    public static List<(int A, int B, double Score)> SelfJoin(VectorSet v, float t)
    {
        var pairs = new List<(int, int, double)>();
        for (int a = 0; a < v.Count; a++)
            for (int b = a + 1; b < v.Count; b++)
            {
                double s = Dot(v.Row(a), v.Row(b));
                if (s >= t)
                    pairs.Add((a, b, s));
            }
        return pairs;
    }

    public static List<(int A, int B, double Score)> CrossJoin(VectorSet q, VectorSet c, float t)
    {
        var pairs = new List<(int, int, double)>();
        for (int a = 0; a < q.Count; a++)
            for (int b = 0; b < c.Count; b++)
            {
                double s = Dot(q.Row(a), c.Row(b));
                if (s >= t)
                    pairs.Add((a, b, s));
            }
        return pairs;
    }
}
