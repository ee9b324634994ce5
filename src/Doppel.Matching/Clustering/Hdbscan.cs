using System.Numerics.Tensors;

namespace Doppel.Matching.Clustering;

/// <summary>
/// HDBSCAN (Campello, Moulavi, Sander 2013; McInnes, Healy 2017): mutual reachability distances,
/// their minimum spanning tree, the single-linkage hierarchy, the tree condensed with
/// min_cluster_size, and the flat clusters of greatest excess of mass. The root is never selected
/// (scikit-learn's allow_single_cluster=False). Dense O(n²) — meant for up to a few tens of
/// thousands of faces; noise is -1.
/// </summary>
public static class Hdbscan
{
    public const int DefaultMinClusterSize = 2;

    /// <summary>Cosine distance 1 − cos over L2-normalised vectors.</summary>
    public static int[] Cluster(VectorSet vectors, int minClusterSize = DefaultMinClusterSize, int? minSamples = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return Cluster(vectors.Count,
            (a, b) => Math.Max(0.0, 1.0 - TensorPrimitives.Dot(vectors.Row(a), vectors.Row(b))),
            minClusterSize, minSamples);
    }

    /// <summary>
    /// Clusters <paramref name="count"/> points under a symmetric <paramref name="distance"/>, which
    /// must be safe to call from several threads.
    /// <paramref name="minSamples"/> counts the point itself, as scikit-learn's does: a point's core
    /// distance is the distance to its (min_samples − 1)-th nearest other point; it defaults to
    /// <paramref name="minClusterSize"/>.
    /// </summary>
    public static int[] Cluster(int count, Func<int, int, double> distance, int minClusterSize, int? minSamples = null)
    {
        ArgumentNullException.ThrowIfNull(distance);
        ArgumentOutOfRangeException.ThrowIfLessThan(minClusterSize, 2);
        int samples = minSamples ?? minClusterSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        if (count == 0)
            return [];
        if (count == 1)
            return [Dbscan.Noise];

        var core = CoreDistances(count, distance, samples);
        var mst = MinimumSpanningTree(count, distance, core);
        var hierarchy = SingleLinkage(count, mst);
        var condensed = CondensedTree.Build(count, hierarchy, minClusterSize);
        return condensed.ExcessOfMassLabels();
    }

    private static double[] CoreDistances(int n, Func<int, int, double> distance, int minSamples)
    {
        var core = new double[n];
        int k = Math.Min(minSamples - 1, n - 1);
        if (k == 0)
            return core;
        // The k smallest distances to other points, kept sorted (k is small); rows are independent.
        Parallel.For(0, n, () => new double[k], (i, _, smallest) =>
        {
            int filled = 0;
            for (int j = 0; j < n; j++)
            {
                if (j == i)
                    continue;
                double d = distance(i, j);
                if (filled < k)
                    Insert(smallest, filled++, d);
                else if (d < smallest[k - 1])
                    Insert(smallest, k - 1, d);
            }
            core[i] = smallest[k - 1];
            return smallest;
        }, _ => { });
        return core;

        static void Insert(double[] sorted, int length, double value)
        {
            int p = length;
            while (p > 0 && sorted[p - 1] > value)
            {
                sorted[p] = sorted[p - 1];
                p--;
            }
            sorted[p] = value;
        }
    }

    /// <summary>Prim's algorithm on the complete mutual-reachability graph.</summary>
    private static (int A, int B, double Weight)[] MinimumSpanningTree(int n, Func<int, int, double> distance, double[] core)
    {
        var inTree = new bool[n];
        var best = new double[n];
        var bestFrom = new int[n];
        Array.Fill(best, double.PositiveInfinity);
        var edges = new (int, int, double)[n - 1];
        int current = 0;
        inTree[0] = true;
        for (int e = 0; e < n - 1; e++)
        {
            int next = -1;
            double nextWeight = double.PositiveInfinity;
            for (int j = 0; j < n; j++)
            {
                if (inTree[j])
                    continue;
                double mr = Math.Max(distance(current, j), Math.Max(core[current], core[j]));
                if (mr < best[j])
                {
                    best[j] = mr;
                    bestFrom[j] = current;
                }
                if (best[j] < nextWeight || next < 0)
                {
                    nextWeight = best[j];
                    next = j;
                }
            }
            edges[e] = (bestFrom[next], next, nextWeight);
            inTree[next] = true;
            current = next;
        }
        return edges;
    }

    /// <summary>Merge i creates node n + i from two nodes (points are 0..n−1) at a distance.</summary>
    internal readonly record struct Merge(int Left, int Right, double Distance, int Size);

    private static Merge[] SingleLinkage(int n, (int A, int B, double Weight)[] mst)
    {
        var sorted = mst.OrderBy(e => e.Weight).ToArray();
        var parent = new int[2 * n - 1];
        var size = new int[2 * n - 1];
        for (int i = 0; i < parent.Length; i++)
        {
            parent[i] = i;
            size[i] = i < n ? 1 : 0;
        }
        var merges = new Merge[n - 1];
        for (int k = 0; k < sorted.Length; k++)
        {
            int left = Find(parent, sorted[k].A), right = Find(parent, sorted[k].B);
            int node = n + k;
            size[node] = size[left] + size[right];
            parent[left] = parent[right] = node;
            merges[k] = new Merge(left, right, sorted[k].Weight, size[node]);
        }
        return merges;

        static int Find(int[] parent, int x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            return x;
        }
    }
}
