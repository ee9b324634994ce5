namespace Doppel.Matching;

/// <summary>
/// Which cells each vector probes (its home cell first), and the two inverted views the join walks:
/// the members of each cell and the vectors probing each cell. All lists are flat arrays with offsets
/// (probe lists hold 16-bit cell numbers), so the whole structure is a few bytes per probe.
/// </summary>
internal sealed class IvfCells
{
    private const int AssignChunkRows = 32_768;

    private readonly int[] _probeStart;
    private readonly ushort[] _probeCells;

    private IvfCells(int cellCount, int[] probeStart, ushort[] probeCells)
    {
        CellCount = cellCount;
        _probeStart = probeStart;
        _probeCells = probeCells;
        int n = probeStart.Length - 1;

        MemberStart = new int[cellCount + 1];
        for (int r = 0; r < n; r++)
            MemberStart[Home(r) + 1]++;
        ProberStart = new int[cellCount + 1];
        foreach (ushort c in probeCells)
            ProberStart[c + 1]++;
        for (int c = 0; c < cellCount; c++)
        {
            MemberStart[c + 1] += MemberStart[c];
            ProberStart[c + 1] += ProberStart[c];
        }
        Members = new int[n];
        Probers = new int[probeCells.Length];
        var memberFill = MemberStart[..^1];
        var proberFill = ProberStart[..^1];
        for (int r = 0; r < n; r++)
        {
            Members[memberFill[Home(r)]++] = r;
            for (int i = probeStart[r]; i < probeStart[r + 1]; i++)
                Probers[proberFill[probeCells[i]]++] = r;
        }
    }

    public int CellCount { get; }

    /// <summary>Rows homed in cell c: Members[MemberStart[c] .. MemberStart[c + 1]).</summary>
    public int[] Members { get; }
    public int[] MemberStart { get; }

    /// <summary>Rows probing cell c (its members included): Probers[ProberStart[c] .. ProberStart[c + 1]).</summary>
    public int[] Probers { get; }
    public int[] ProberStart { get; }

    public long TotalProbes => _probeCells.LongLength;

    public int Home(int row) => _probeCells[_probeStart[row]];

    /// <summary>True when <paramref name="row"/> probes <paramref name="cell"/>.</summary>
    public bool Probes(int row, int cell) =>
        _probeCells.AsSpan(_probeStart[row], _probeStart[row + 1] - _probeStart[row]).Contains((ushort)cell);

    /// <summary>Bytes this structure holds per vector (offsets, probe lists, both inverted views).</summary>
    public double BytesPerVector(int count) =>
        count == 0 ? 0 : (4.0 * (_probeStart.Length + Members.Length + Probers.Length + MemberStart.Length + ProberStart.Length)
                          + 2.0 * _probeCells.Length) / count;

    /// <summary>Each row's probe list: its nearest centroid, then up to maxProbes − 1 more whose
    /// similarity is within <paramref name="margin"/> of the nearest.</summary>
    public static IvfCells Assign(VectorSet vectors, VectorSet centroids, int maxProbes, float margin, JoinOptions join)
    {
        int n = vectors.Count, k = Math.Min(maxProbes, centroids.Count);
        var probeStart = new int[n + 1];
        var chunks = new List<ushort[]>();
        for (int first = 0; first < n; first += AssignChunkRows)
        {
            int rows = Math.Min(AssignChunkRows, n - first);
            var chunk = new VectorSet(vectors.Dimension, rows);
            for (int r = 0; r < rows; r++)
                chunk.AddVerbatim(first + r, vectors.Row(first + r));
            var nearest = Nearest(chunk, centroids, k, margin, join);
            var cells = new List<ushort>(rows * Math.Min(k, 16));
            for (int r = 0; r < rows; r++)
            {
                var list = nearest[r];
                float floor = list[0].Score - margin;
                int taken = 0;
                foreach (var p in list)
                {
                    if (taken > 0 && !(p.Score >= floor))
                        break;
                    cells.Add((ushort)p.B);
                    taken++;
                }
                probeStart[first + r + 1] = checked(probeStart[first + r] + taken);
            }
            chunks.Add([.. cells]);
        }
        var probeCells = new ushort[probeStart[n]];
        int at = 0;
        foreach (var chunk in chunks)
        {
            chunk.CopyTo(probeCells, at);
            at += chunk.Length;
        }
        return new IvfCells(centroids.Count, probeStart, probeCells);
    }

    /// <summary>Each row's k best centroids, best first. With a finite margin, a first pass finds each
    /// row's best score so the second only heaps the few centroids within the margin of it.</summary>
    private static ScoredPair[][] Nearest(VectorSet rows, VectorSet centroids, int k, float margin, JoinOptions join)
    {
        if (k == 1 || float.IsPositiveInfinity(margin))
            return ExactJoin.TopK(rows, centroids, k, options: join);
        var best = ExactJoin.TopK(rows, centroids, 1, options: join);
        var floors = new float[rows.Count];
        for (int r = 0; r < floors.Length; r++)
            floors[r] = best[r][0].Score - margin;
        return ExactJoin.TopK(rows, centroids, k, floors, join);
    }
}
