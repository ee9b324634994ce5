namespace Doppel.Matching;

/// <summary>
/// Which cells each vector probes (its home cell first), and the inverted views the join walks: the
/// members of each cell, and (built for a range of cells at a time, to bound memory) the vectors
/// probing each cell. All lists are flat arrays with offsets; probe lists hold 16-bit cell numbers,
/// so the resident cost is 2 bytes per probe plus 8 bytes per vector.
/// </summary>
internal sealed class IvfCells
{
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
        ProberCount = new int[cellCount];
        foreach (ushort c in probeCells)
            ProberCount[c]++;
        for (int c = 0; c < cellCount; c++)
            MemberStart[c + 1] += MemberStart[c];
        Members = new int[n];
        var memberFill = MemberStart[..^1];
        for (int r = 0; r < n; r++)
            Members[memberFill[Home(r)]++] = r;
    }

    public int CellCount { get; }

    public int Count => _probeStart.Length - 1;

    /// <summary>Cells from probe lists made elsewhere (<see cref="IvfPartitions"/>: a worker joining some cells gets the
    /// probe lists of the rows probing them, home cell first, in row order).</summary>
    public static IvfCells FromProbeLists(int cellCount, IReadOnlyList<ushort[]> lists)
    {
        var probeStart = new int[lists.Count + 1];
        for (int r = 0; r < lists.Count; r++)
        {
            if (lists[r].Length == 0)
                throw new ArgumentException($"Row {r} probes no cell; every row probes at least its home cell.", nameof(lists));
            probeStart[r + 1] = checked(probeStart[r] + lists[r].Length);
        }
        var probeCells = new ushort[probeStart[^1]];
        for (int r = 0; r < lists.Count; r++)
            foreach (var (i, c) in lists[r].Index())
                probeCells[probeStart[r] + i] = c < cellCount ? c : throw new ArgumentOutOfRangeException(nameof(lists), $"Row {r} probes cell {c}; there are {cellCount}.");
        return new IvfCells(cellCount, probeStart, probeCells);
    }

    /// <summary>Rows homed in cell c: Members[MemberStart[c] .. MemberStart[c + 1]).</summary>
    public int[] Members { get; }
    public int[] MemberStart { get; }

    /// <summary>How many rows probe each cell (its members included).</summary>
    public int[] ProberCount { get; }

    public long TotalProbes => _probeCells.LongLength;

    public int Home(int row) => _probeCells[_probeStart[row]];

    /// <summary>The cells <paramref name="row"/> probes, its home first.</summary>
    public ReadOnlySpan<ushort> ProbesOf(int row) => _probeCells.AsSpan(_probeStart[row], _probeStart[row + 1] - _probeStart[row]);

    /// <summary>The rows homed in <paramref name="cell"/>.</summary>
    public ReadOnlySpan<int> MembersOf(int cell) => Members.AsSpan(MemberStart[cell], MemberStart[cell + 1] - MemberStart[cell]);

    /// <summary>True when <paramref name="row"/> probes <paramref name="cell"/>.</summary>
    public bool Probes(int row, int cell) =>
        _probeCells.AsSpan(_probeStart[row], _probeStart[row + 1] - _probeStart[row]).Contains((ushort)cell);

    /// <summary>Rows probing each cell of [firstCell, endCell): rows of cell c are
    /// Rows[Start[c − firstCell] .. Start[c − firstCell + 1]), in row order.</summary>
    public (int[] Start, int[] Rows) Probers(int firstCell, int endCell)
    {
        var start = new int[endCell - firstCell + 1];
        for (int c = firstCell; c < endCell; c++)
            start[c - firstCell + 1] = start[c - firstCell] + ProberCount[c];
        var rows = new int[start[^1]];
        var fill = start[..^1];
        for (int r = 0; r < Count; r++)
            for (int i = _probeStart[r]; i < _probeStart[r + 1]; i++)
            {
                int c = _probeCells[i];
                if (c >= firstCell && c < endCell)
                    rows[fill[c - firstCell]++] = r;
            }
        return (start, rows);
    }

    /// <summary>Resident bytes per vector: probe lists and their offsets, members and their offsets.</summary>
    public double BytesPerVector =>
        Count == 0 ? 0 : (4.0 * (_probeStart.Length + Members.Length + MemberStart.Length + ProberCount.Length) + 2.0 * _probeCells.Length) / Count;

    /// <summary>Each row's probe list: its nearest centroid, then up to maxProbes − 1 more whose
    /// similarity is within <paramref name="margin"/> of the nearest, best first.</summary>
    public static IvfCells Assign(VectorSet vectors, VectorSet centroids, int maxProbes, float margin, JoinOptions join)
    {
        int n = vectors.Count, k = Math.Min(maxProbes, centroids.Count);
        var kind = JoinKernel.Resolve(join.Kernel);
        var panels = PackedPanels.Pack(centroids.Buffer, centroids.Count, centroids.Dimension, join.MaxThreads);
        int blocks = (n + AssignBlockRows - 1) / AssignBlockRows;
        var blockCells = new ushort[blocks][];
        var probeStart = new int[n + 1];
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = join.MaxThreads },
            () => new ProbeCandidates(AssignBlockRows),
            (block, _, candidates) =>
            {
                int first = block * AssignBlockRows, end = Math.Min(n, first + AssignBlockRows);
                candidates.Reset(first, end - first, margin);
                var handler = new ProbeHandler(candidates);
                JoinKernel.RunRows(ref handler, kind, vectors.Buffer, first, end, panels, firstPanel: 0, upperTriangle: false, skipDiagonal: false);
                blockCells[block] = candidates.Select(k, probeStart);
                return candidates;
            },
            _ => { });
        for (int r = 0; r < n; r++)
            probeStart[r + 1] = checked(probeStart[r + 1] + probeStart[r]);
        var probeCells = new ushort[probeStart[n]];
        for (int block = 0, at = 0; block < blocks; block++)
        {
            blockCells[block].CopyTo(probeCells, at);
            at += blockCells[block].Length;
        }
        return new IvfCells(centroids.Count, probeStart, probeCells);
    }

    /// <summary>Rows per assignment block (one task); a streamed assignment cuts its batches at whole blocks.</summary>
    internal const int AssignBlockRows = 256;

    /// <summary>
    /// One block of rows' candidate cells in a single pass over the centroids: each row's best score
    /// so far sets its kernel threshold (best − margin), so only cells that may end within the margin
    /// are kept; the final cut uses the final best.
    /// </summary>
    private sealed class ProbeCandidates(int capacity)
    {
        private readonly float[] _best = new float[capacity];
        private readonly List<(int Cell, float Score)>[] _lists = [.. Enumerable.Range(0, capacity).Select(_ => new List<(int, float)>())];
        private int _first;
        private float _margin;

        public void Reset(int firstRow, int rows, float margin)
        {
            _first = firstRow;
            _margin = margin;
            for (int i = 0; i < rows; i++)
            {
                _best[i] = float.NegativeInfinity;
                _lists[i].Clear();
            }
            Rows = rows;
        }

        public int Rows { get; private set; }

        public float Threshold(int row) => _best[row - _first] - _margin;

        public void Hit(int row, int cell, float score)
        {
            int i = row - _first;
            if (score > _best[i])
                _best[i] = score;
            _lists[i].Add((cell, score));
        }

        /// <summary>Each row's kept cells (best first, ties by cell number), concatenated; counts go to probeCount[row + 1].</summary>
        public ushort[] Select(int k, int[] probeCount)
        {
            var cells = new List<ushort>(Rows * 8);
            for (int i = 0; i < Rows; i++)
            {
                var list = _lists[i];
                float floor = _best[i] - _margin;
                list.RemoveAll(c => !(c.Score >= floor));
                list.Sort(static (x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Cell.CompareTo(y.Cell));
                int taken = Math.Min(k, list.Count);
                for (int j = 0; j < taken; j++)
                    cells.Add((ushort)list[j].Cell);
                probeCount[_first + i + 1] = taken;
            }
            return [.. cells];
        }
    }

    private readonly struct ProbeHandler(ProbeCandidates candidates) : ITileHandler
    {
        public float Threshold(int row) => candidates.Threshold(row);
        public void Hit(int row, int col, float score) => candidates.Hit(row, col, score);
    }
}
