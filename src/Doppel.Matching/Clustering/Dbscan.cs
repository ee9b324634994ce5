namespace Doppel.Matching.Clustering;

/// <summary>
/// DBSCAN as scikit-learn runs it, so labels match <c>sklearn.cluster.DBSCAN</c> given the same
/// points in the same order: a point is core when its ε-neighbourhood, itself included, holds at
/// least min_samples points; clusters are grown depth-first from the lowest-index unlabelled core
/// point and numbered 0, 1, … in that order; a border point takes the first cluster to reach it;
/// everything else is noise (-1).
/// </summary>
public static class Dbscan
{
    /// <summary>Cosine distance ε when nothing is known about the vectors (chosen on synthetic face-like data);
    /// the values tuned per model on LFW dev are in <see cref="ClusterDefaults"/>.</summary>
    public const float DefaultEps = 0.55f;

    /// <summary>Two faces within ε of each other already form a person, which is what deduplication wants.</summary>
    public const int DefaultMinSamples = 2;

    public const int Noise = -1;

    /// <summary>Clusters L2-normalised vectors under cosine distance 1 − cos.</summary>
    public static int[] Cluster(VectorSet vectors, float eps = DefaultEps, int minSamples = DefaultMinSamples, IVectorSearch? search = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return Cluster(NeighborGraph.Cosine(vectors, eps, search), minSamples);
    }

    /// <summary>Clusters points given their ε-neighbourhoods (any metric).</summary>
    public static int[] Cluster(NeighborGraph graph, int minSamples)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfLessThan(minSamples, 1);
        int n = graph.Count;
        var isCore = new bool[n];
        for (int i = 0; i < n; i++)
            isCore[i] = graph.SizeWithSelf(i) >= minSamples;

        var labels = new int[n];
        Array.Fill(labels, Noise);
        var stack = new Stack<int>();
        int next = 0;
        for (int seed = 0; seed < n; seed++)
        {
            if (labels[seed] != Noise || !isCore[seed])
                continue;
            // sklearn's dbscan_inner: label on pop, push the unlabelled neighbours of core points only.
            int i = seed;
            while (true)
            {
                if (labels[i] == Noise)
                {
                    labels[i] = next;
                    if (isCore[i])
                        foreach (int j in graph.Of(i))
                            if (labels[j] == Noise)
                                stack.Push(j);
                }
                if (stack.Count == 0)
                    break;
                i = stack.Pop();
            }
            next++;
        }
        return labels;
    }
}
