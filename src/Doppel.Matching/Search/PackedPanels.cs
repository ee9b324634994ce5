namespace Doppel.Matching;

/// <summary>
/// Corpus rows transposed into panels of <see cref="Width"/> columns: panel p holds rows
/// p*Width .. p*Width+Width-1 laid out [dimension][Width], so the join kernel loads one SIMD vector
/// of Width/16 corpus scores' worth of coordinates per dimension and broadcasts query coordinates.
/// The last panel is zero-padded; padded columns score 0 and are masked out by the caller.
/// </summary>
internal sealed class PackedPanels
{
    public const int Width = 32;

    private PackedPanels(float[] data, int count, int dimension)
    {
        Data = data;
        Count = count;
        Dimension = dimension;
    }

    public float[] Data { get; }
    public int Count { get; }
    public int Dimension { get; }
    public int PanelCount => (Count + Width - 1) / Width;
    public int PanelStride => Dimension * Width;

    /// <summary>Packs source rows <paramref name="rows"/> (in that order) into panels, reusing
    /// <paramref name="buffer"/> when it is large enough (one per worker, so cells pack without garbage).</summary>
    public static PackedPanels PackGathered(float[] source, ReadOnlySpan<int> rows, int dimension, ref float[]? buffer)
    {
        int panels = (rows.Length + Width - 1) / Width;
        int size = checked(panels * dimension * Width);
        if (buffer is null || buffer.Length < size)
            buffer = new float[Math.Max(size, (buffer?.Length ?? 0) * 2)];
        var data = buffer;
        for (int c = 0; c < rows.Length; c++)
        {
            int src = rows[c] * dimension;
            int dst = (c / Width) * dimension * Width + c % Width;
            for (int k = 0; k < dimension; k++)
                data[dst + k * Width] = source[src + k];
        }
        // Columns past the last row keep stale floats from an earlier cell; zero them so padded
        // scores are plain zeros (the kernel masks them out either way).
        for (int c = rows.Length; c < panels * Width; c++)
        {
            int dst = (c / Width) * dimension * Width + c % Width;
            for (int k = 0; k < dimension; k++)
                data[dst + k * Width] = 0f;
        }
        return new PackedPanels(data, rows.Length, dimension);
    }

    public static PackedPanels Pack(float[] source, int count, int dimension, int maxThreads)
    {
        int panels = (count + Width - 1) / Width;
        long size = (long)panels * dimension * Width;
        if (size > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(count), $"{count} vectors of dimension {dimension} exceed one array; split the corpus.");
        var data = new float[size];
        Parallel.For(0, panels, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, p =>
        {
            int baseRow = p * Width;
            int rowsHere = Math.Min(Width, count - baseRow);
            long panelStart = (long)p * dimension * Width;
            for (int c = 0; c < rowsHere; c++)
            {
                int src = (baseRow + c) * dimension;
                long dst = panelStart + c;
                for (int k = 0; k < dimension; k++)
                    data[dst + (long)k * Width] = source[src + k];
            }
        });
        return new PackedPanels(data, count, dimension);
    }
}
