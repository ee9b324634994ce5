namespace Doppel.Matching;

/// <summary>
/// k-means on the unit sphere (centroids are re-normalised means, assignment by largest dot product),
/// trained on a random sample. Assignment runs on the exact join's top-1 kernel, so an iteration costs
/// one blocked sample × centroids product.
/// </summary>
internal static class SphericalKMeans
{
    public static VectorSet Train(VectorSet vectors, int cells, int pointsPerCell, int iterations, int seed, JoinOptions join)
    {
        var rng = new Random(seed);
        var sample = Gather(vectors, SampleRows(vectors.Count, TrainingSize(vectors.Count, cells, pointsPerCell), rng));
        return TrainOn(sample, cells, iterations, rng, join);
    }

    /// <summary>How many rows of <paramref name="count"/> the training sample draws: <paramref name="pointsPerCell"/> per cell, or all.</summary>
    public static int TrainingSize(int count, int cells, int pointsPerCell) => (int)Math.Min(count, (long)cells * pointsPerCell);

    /// <summary>
    /// k-means on a drawn <paramref name="sample"/>, <paramref name="rng"/> as <see cref="SampleRows"/> left it: what
    /// <see cref="Train"/> runs after drawing, so a planner that reads only the sample's rows gets the same centroids.
    /// </summary>
    public static VectorSet TrainOn(VectorSet sample, int cells, int iterations, Random rng, JoinOptions join)
    {
        int d = sample.Dimension;
        // Start from distinct random sample rows (k-means++ would cost cells passes over the sample).
        var start = Gather(sample, SampleRows(sample.Count, cells, rng));
        var centroids = new VectorSet(d, cells);
        for (int c = 0; c < cells; c++)
            centroids.Add(c, start.Row(c));

        var sums = new double[(long)cells * d];
        var counts = new int[cells];
        var next = new float[d];
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            var nearest = ExactJoin.TopK(sample, centroids, 1, options: join);
            Array.Clear(sums);
            Array.Clear(counts);
            for (int r = 0; r < sample.Count; r++)
            {
                int c = nearest[r][0].B;
                counts[c]++;
                var row = sample.Row(r);
                var sum = sums.AsSpan(c * d, d);
                for (int k = 0; k < d; k++)
                    sum[k] += row[k];
            }
            var updated = new VectorSet(d, cells);
            for (int c = 0; c < cells; c++)
            {
                if (counts[c] == 0)
                {
                    // An empty cell restarts at a random sample row rather than staying unused.
                    updated.Add(c, sample.Row(rng.Next(sample.Count)));
                    continue;
                }
                var sum = sums.AsSpan(c * d, d);
                for (int k = 0; k < d; k++)
                    next[k] = (float)sum[k];
                updated.Add(c, next);
            }
            centroids = updated;
        }
        return centroids;
    }

    /// <summary><paramref name="size"/> distinct rows of <paramref name="count"/> drawn uniformly (partial Fisher–Yates),
    /// in row order. Needs the count only, not the vectors.</summary>
    public static int[] SampleRows(int count, int size, Random rng)
    {
        var order = Enumerable.Range(0, count).ToArray();
        for (int i = 0; i < size; i++)
        {
            int j = rng.Next(i, order.Length);
            (order[i], order[j]) = (order[j], order[i]);
        }
        Array.Sort(order, 0, size);
        return order[..size];
    }

    /// <summary>Rows <paramref name="rows"/> of <paramref name="vectors"/>, in that order, as a set of their own.</summary>
    public static VectorSet Gather(VectorSet vectors, IReadOnlyList<int> rows)
    {
        var sample = new VectorSet(vectors.Dimension, Math.Max(rows.Count, 1));
        for (int i = 0; i < rows.Count; i++)
            sample.Add(i, vectors.Row(rows[i]));
        return sample;
    }
}
