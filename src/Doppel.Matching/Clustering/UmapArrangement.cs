using System.Numerics.Tensors;

namespace Doppel.Matching.Clustering;

/// <summary>
/// Places separately laid-out components of a UMAP graph side by side so that none overlaps
/// another: each component keeps its own layout (its scale is what the SGD settled on, so a
/// clustering ε means the same in every component) and is shifted into a cell of a shelf packing
/// over the first two output dimensions (one dimension: a line). Disjoint boxes in those dimensions
/// mean disjoint components in all of them. Components are shelved in order of their data-space
/// centroid's first principal coordinate, so components that are alike end up near each other (the
/// role of umap-learn's meta-embedding of component centroids).
/// </summary>
internal static class UmapArrangement
{
    /// <summary>Empty space between two components, in layout units: more than any layout ε a caller clusters with (≤ 1).</summary>
    public const float Gap = 2f;

    public static float[] Arrange(VectorSet vectors, int dim, IReadOnlyList<UmapComponents.Piece> pieces, IReadOnlyList<float[]> layouts)
    {
        int n = vectors.Count;
        var result = new float[n * dim];
        if (pieces.Count == 1)
        {
            Scatter(result, dim, pieces[0].Members, layouts[0], new float[dim]);
            return result;
        }
        // Bounding box of each component.
        var min = new float[pieces.Count][];
        var max = new float[pieces.Count][];
        for (int p = 0; p < pieces.Count; p++)
        {
            min[p] = Enumerable.Repeat(float.PositiveInfinity, dim).ToArray();
            max[p] = Enumerable.Repeat(float.NegativeInfinity, dim).ToArray();
            var layout = layouts[p];
            for (int i = 0; i < pieces[p].Members.Length; i++)
                for (int c = 0; c < dim; c++)
                {
                    min[p][c] = Math.Min(min[p][c], layout[i * dim + c]);
                    max[p][c] = Math.Max(max[p][c], layout[i * dim + c]);
                }
        }
        var order = OrderByPrincipalCoordinate(vectors, pieces);
        float Width(int p) => max[p][0] - min[p][0] + Gap;
        float Height(int p) => dim > 1 ? max[p][1] - min[p][1] + Gap : 0;

        // Shelves as wide as the square root of the total area (never narrower than the widest component).
        double area = pieces.Select((_, p) => (double)Width(p) * Math.Max(Height(p), 1)).Sum();
        float shelfWidth = dim == 1 ? float.PositiveInfinity : (float)Math.Max(Math.Sqrt(area), Enumerable.Range(0, pieces.Count).Max(Width));
        float x = 0, y = 0, shelfHeight = 0;
        var offset = new float[dim];
        foreach (int p in order)
        {
            if (x > 0 && x + Width(p) > shelfWidth)
            {
                x = 0;
                y += shelfHeight;
                shelfHeight = 0;
            }
            // Move the component's lower corner to (x, y); other dimensions keep the component's own coordinates.
            Array.Clear(offset);
            offset[0] = x - min[p][0];
            if (dim > 1)
                offset[1] = y - min[p][1];
            Scatter(result, dim, pieces[p].Members, layouts[p], offset);
            x += Width(p);
            shelfHeight = Math.Max(shelfHeight, Height(p));
        }
        return result;
    }

    private static void Scatter(float[] result, int dim, int[] members, float[] layout, float[] offset)
    {
        for (int i = 0; i < members.Length; i++)
            for (int c = 0; c < dim; c++)
                result[members[i] * dim + c] = layout[i * dim + c] + offset[c];
    }

    /// <summary>Component indices sorted by the first principal coordinate of their centroids (power iteration on the centred centroids).</summary>
    private static int[] OrderByPrincipalCoordinate(VectorSet vectors, IReadOnlyList<UmapComponents.Piece> pieces)
    {
        int d = vectors.Dimension, count = pieces.Count;
        var centroids = new double[count][];
        var mean = new double[d];
        for (int p = 0; p < count; p++)
        {
            var centroid = new double[d];
            foreach (int i in pieces[p].Members)
            {
                var row = vectors.Row(i);
                for (int c = 0; c < d; c++)
                    centroid[c] += row[c];
            }
            for (int c = 0; c < d; c++)
            {
                centroid[c] /= pieces[p].Members.Length;
                mean[c] += centroid[c] / count;
            }
            centroids[p] = centroid;
        }
        foreach (var centroid in centroids)
            for (int c = 0; c < d; c++)
                centroid[c] -= mean[c];

        // Deterministic start, then v ← Σ_p (c_p · v) c_p.
        var direction = Enumerable.Range(0, d).Select(c => 1.0 / Math.Sqrt(d) * (1 + 0.01 * c)).ToArray();
        for (int iteration = 0; iteration < 50; iteration++)
        {
            var next = new double[d];
            foreach (var centroid in centroids)
            {
                double dot = TensorPrimitives.Dot<double>(centroid, direction);
                for (int c = 0; c < d; c++)
                    next[c] += dot * centroid[c];
            }
            double norm = Math.Sqrt(TensorPrimitives.Dot<double>(next, next));
            if (norm == 0)
                break;
            for (int c = 0; c < d; c++)
                direction[c] = next[c] / norm;
        }
        var coordinate = centroids.Select(centroid => TensorPrimitives.Dot<double>(centroid, direction)).ToArray();
        return Enumerable.Range(0, count).OrderBy(p => coordinate[p]).ThenBy(p => p).ToArray();
    }
}
