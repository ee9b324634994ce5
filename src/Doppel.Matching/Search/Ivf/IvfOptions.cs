namespace Doppel.Matching;

/// <summary>
/// Parameters of the inverted-file (IVF) join. The corpus is split into cells by spherical k-means;
/// each vector lives in its nearest cell and is compared against the members of the cells it probes:
/// its best cell, plus every further cell whose centroid scores within <see cref="ProbeMargin"/> of the
/// best, up to <see cref="MaxProbes"/> cells. A pair is found when either vector probes the other's cell.
/// </summary>
public sealed record IvfOptions
{
    public static IvfOptions Default { get; } = new();

    /// <summary>Number of cells; 0 picks <see cref="CellsPerSqrtN"/>·√N (at least 1, at most N). The
    /// defaults (4·√N cells, margin 0.2, at most 256 probes) gave 99.4 % pair recall at N = 1M on the
    /// face-like synthetic set at cosine ≥ 0.5 (docs/benchmarks-matching-search.md).</summary>
    public int Cells { get; init; }

    /// <summary>Cells per √N when <see cref="Cells"/> is 0.</summary>
    public double CellsPerSqrtN { get; init; } = 4.0;

    /// <summary>The most cells one vector probes (its own cell included).</summary>
    public int MaxProbes { get; init; } = 256;

    /// <summary>A further cell is probed when its centroid similarity is at least the best one's minus
    /// this margin; <see cref="float.PositiveInfinity"/> probes <see cref="MaxProbes"/> cells always.</summary>
    public float ProbeMargin { get; init; } = 0.2f;

    /// <summary>k-means trains on a random sample of this many vectors per cell (or on all vectors when fewer).</summary>
    public int TrainingPointsPerCell { get; init; } = 40;

    /// <summary>k-means iterations (assign, then re-centre).</summary>
    public int Iterations { get; init; } = 10;

    /// <summary>Seeds the training sample and the initial centroids; the same seed gives the same pairs.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Worker threads (cells are joined in parallel).</summary>
    public int MaxThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Dot-product kernel, as for the exact join.</summary>
    public JoinKernelKind Kernel { get; init; } = JoinKernelKind.Auto;

    /// <summary>Cells are numbered with 16 bits in the probe lists (this keeps them at 2 bytes per probe).</summary>
    public const int MaxCells = ushort.MaxValue;

    /// <summary>The cell count used for <paramref name="count"/> vectors.</summary>
    public int CellCountFor(int count)
    {
        int cells = Cells > 0 ? Cells : (int)Math.Round(CellsPerSqrtN * Math.Sqrt(count));
        return Math.Clamp(Math.Min(cells, Math.Max(count, 1)), 1, MaxCells);
    }

    internal void Validate()
    {
        if (Cells < 0 || Cells > MaxCells)
            throw new ArgumentOutOfRangeException(nameof(Cells), Cells, $"Cells must be 0 (automatic) or 1..{MaxCells}.");
        if (!(CellsPerSqrtN > 0) || double.IsInfinity(CellsPerSqrtN))
            throw new ArgumentOutOfRangeException(nameof(CellsPerSqrtN), CellsPerSqrtN, "CellsPerSqrtN must be a positive finite number.");
        if (MaxProbes < 1 || MaxProbes > MaxCells)
            throw new ArgumentOutOfRangeException(nameof(MaxProbes), MaxProbes, $"MaxProbes must be within 1..{MaxCells}.");
        if (!(ProbeMargin >= 0))
            throw new ArgumentOutOfRangeException(nameof(ProbeMargin), ProbeMargin, "ProbeMargin must be zero or more (positive infinity probes MaxProbes cells).");
        ArgumentOutOfRangeException.ThrowIfLessThan(TrainingPointsPerCell, 1, nameof(TrainingPointsPerCell));
        ArgumentOutOfRangeException.ThrowIfLessThan(Iterations, 0, nameof(Iterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxThreads, 1, nameof(MaxThreads));
    }
}
