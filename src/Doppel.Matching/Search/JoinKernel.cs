using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Doppel.Matching;

/// <summary>Which inner loop computes the dot products. Auto picks the widest the CPU runs.</summary>
public enum JoinKernelKind
{
    Auto,
    /// <summary>8 query rows x 32 corpus rows per step in 16 AVX-512 accumulators, fused multiply-add.</summary>
    Avx512,
    /// <summary>4 query rows x 16 corpus rows per step in 8 AVX2 accumulators, fused multiply-add.</summary>
    Avx2,
    /// <summary>Plain scalar loops; runs anywhere (ARM, old x64), slowly.</summary>
    Portable,
}

/// <summary>Receives the scores a kernel found at or above the row's threshold.</summary>
internal interface ITileHandler
{
    /// <summary>Current threshold of a query row (top-k raises it as its heap fills).</summary>
    float Threshold(int row);

    void Hit(int row, int col, float score);
}

/// <summary>
/// The register-blocked micro-kernels and the tile loop around them. A block of query rows
/// (kept in L2) is run against every corpus panel (one panel, Width x dimension floats, stays in L1
/// while all row groups of the block pass over it). Each kernel call produces a RowsPerStep x 32
/// tile of scores in registers and compares it against per-row thresholds before anything is
/// written, so the N x N score matrix never exists.
/// </summary>
internal static unsafe class JoinKernel
{
    public const int RowsPerStep = 8;
    private const int GatheredBlockRows = 256;

    public static JoinKernelKind Resolve(JoinKernelKind requested)
    {
        bool avx512 = Avx512F.IsSupported;
        bool avx2 = Avx2.IsSupported && Fma.IsSupported;
        return requested switch
        {
            JoinKernelKind.Auto => avx512 ? JoinKernelKind.Avx512 : avx2 ? JoinKernelKind.Avx2 : JoinKernelKind.Portable,
            JoinKernelKind.Avx512 when !avx512 => throw new PlatformNotSupportedException("This CPU has no AVX-512F."),
            JoinKernelKind.Avx2 when !avx2 => throw new PlatformNotSupportedException("This CPU has no AVX2 with FMA."),
            _ => requested,
        };
    }

    /// <summary>
    /// Runs query rows [rowStart, rowEnd) against panels firstPanel.. of <paramref name="panels"/>.
    /// With <paramref name="upperTriangle"/> only columns greater than the row are reported (self-join);
    /// with <paramref name="skipDiagonal"/> the column equal to the row is skipped (self top-k).
    /// </summary>
    public static void RunRows<THandler>(ref THandler handler, JoinKernelKind kind, float[] queries, int rowStart, int rowEnd,
        PackedPanels panels, int firstPanel, bool upperTriangle, bool skipDiagonal)
        where THandler : struct, ITileHandler
    {
        fixed (float* q = queries)
            Run(ref handler, kind, q, null, rowStart, rowEnd, panels, firstPanel, upperTriangle, skipDiagonal);
    }

    /// <summary>
    /// Runs a gathered list of query rows against every panel: handler row i is source row
    /// <paramref name="rowIndices"/>[i]. Rows are read in place (no copy), which is what the IVF join
    /// needs: each cell is probed by a scattered subset of the corpus.
    /// </summary>
    public static void RunGathered<THandler>(ref THandler handler, JoinKernelKind kind, float[] source, ReadOnlySpan<int> rowIndices, PackedPanels panels)
        where THandler : struct, ITileHandler
    {
        fixed (float* q = source)
        fixed (int* map = rowIndices)
        {
            // Blocks of query rows small enough to stay in L2 while every panel passes over them;
            // without this the scattered rows would stream from memory once per panel.
            for (int start = 0; start < rowIndices.Length; start += GatheredBlockRows)
                Run(ref handler, kind, q, map, start, Math.Min(rowIndices.Length, start + GatheredBlockRows), panels,
                    firstPanel: 0, upperTriangle: false, skipDiagonal: false);
        }
    }

    private static void Run<THandler>(ref THandler handler, JoinKernelKind kind, float* q, int* rowMap, int rowStart, int rowEnd,
        PackedPanels panels, int firstPanel, bool upperTriangle, bool skipDiagonal)
        where THandler : struct, ITileHandler
    {
        int d = panels.Dimension;
        var zeroRow = new float[d];
        float* scores = stackalloc float[RowsPerStep * PackedPanels.Width];
        uint* masks = stackalloc uint[RowsPerStep];
        float* thresholds = stackalloc float[RowsPerStep];
        float** rows = stackalloc float*[RowsPerStep];
        fixed (float* packed = panels.Data, zero = zeroRow)
        {
            for (int p = firstPanel; p < panels.PanelCount; p++)
            {
                float* panel = packed + (long)p * panels.PanelStride;
                int colBase = p * PackedPanels.Width;
                int colCount = Math.Min(PackedPanels.Width, panels.Count - colBase);
                uint validCols = colCount == 32 ? uint.MaxValue : (1u << colCount) - 1;
                for (int r0 = rowStart; r0 < rowEnd; r0 += RowsPerStep)
                {
                    // Every column of this panel is at or left of the diagonal for all these rows.
                    if (upperTriangle && colBase + PackedPanels.Width - 1 <= r0)
                        continue;
                    for (int i = 0; i < RowsPerStep; i++)
                    {
                        int row = r0 + i;
                        bool real = row < rowEnd;
                        rows[i] = real ? q + (long)(rowMap == null ? row : rowMap[row]) * d : zero;
                        thresholds[i] = real ? handler.Threshold(row) : float.PositiveInfinity;
                    }
                    switch (kind)
                    {
                        case JoinKernelKind.Avx512: Tile8x32Avx512(rows, panel, d, thresholds, masks, scores); break;
                        case JoinKernelKind.Avx2:
                            Tile4x16Avx2(rows, panel, d, thresholds, masks, scores);
                            Tile4x16Avx2(rows + 4, panel, d, thresholds + 4, masks + 4, scores + 4 * PackedPanels.Width);
                            break;
                        default: TilePortable(rows, panel, d, thresholds, masks, scores); break;
                    }
                    for (int i = 0; i < RowsPerStep; i++)
                    {
                        uint m = masks[i] & validCols;
                        int row = r0 + i;
                        while (m != 0)
                        {
                            int bit = BitOperations.TrailingZeroCount(m);
                            m &= m - 1;
                            int col = colBase + bit;
                            if ((upperTriangle && col <= row) || (skipDiagonal && col == row))
                                continue;
                            handler.Hit(row, col, scores[i * PackedPanels.Width + bit]);
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x32Avx512(float** a, float* panel, int d, float* thr, uint* masks, float* scores)
    {
        float* a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7];
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        float* b = panel;
        for (int k = 0; k < d; k++, b += PackedPanels.Width)
        {
            var b0 = Avx512F.LoadVector512(b);
            var b1 = Avx512F.LoadVector512(b + 16);
            var x = Vector512.Create(a0[k]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[k]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[k]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[k]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[k]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[k]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[k]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[k]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
        }
        Finish512(c00, c01, thr[0], masks, scores, 0);
        Finish512(c10, c11, thr[1], masks, scores, 1);
        Finish512(c20, c21, thr[2], masks, scores, 2);
        Finish512(c30, c31, thr[3], masks, scores, 3);
        Finish512(c40, c41, thr[4], masks, scores, 4);
        Finish512(c50, c51, thr[5], masks, scores, 5);
        Finish512(c60, c61, thr[6], masks, scores, 6);
        Finish512(c70, c71, thr[7], masks, scores, 7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish512(Vector512<float> lo, Vector512<float> hi, float threshold, uint* masks, float* scores, int row)
    {
        var t = Vector512.Create(threshold);
        uint m = (uint)Vector512.GreaterThanOrEqual(lo, t).ExtractMostSignificantBits()
               | ((uint)Vector512.GreaterThanOrEqual(hi, t).ExtractMostSignificantBits() << 16);
        masks[row] = m;
        if (m != 0)
        {
            lo.Store(scores + row * PackedPanels.Width);
            hi.Store(scores + row * PackedPanels.Width + 16);
        }
    }

    /// <summary>Four query rows against 16 panel columns twice (both halves of the 32-wide panel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x16Avx2(float** a, float* panel, int d, float* thr, uint* masks, float* scores)
    {
        float* a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
        for (int half = 0; half < 2; half++)
        {
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
            float* b = panel + half * 16;
            for (int k = 0; k < d; k++, b += PackedPanels.Width)
            {
                var b0 = Avx.LoadVector256(b);
                var b1 = Avx.LoadVector256(b + 8);
                var x = Vector256.Create(a0[k]); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
                x = Vector256.Create(a1[k]); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
                x = Vector256.Create(a2[k]); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
                x = Vector256.Create(a3[k]); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            }
            Finish256(c00, c01, thr[0], masks, scores, 0, half);
            Finish256(c10, c11, thr[1], masks, scores, 1, half);
            Finish256(c20, c21, thr[2], masks, scores, 2, half);
            Finish256(c30, c31, thr[3], masks, scores, 3, half);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish256(Vector256<float> lo, Vector256<float> hi, float threshold, uint* masks, float* scores, int row, int half)
    {
        var t = Vector256.Create(threshold);
        uint m = Vector256.GreaterThanOrEqual(lo, t).ExtractMostSignificantBits()
               | (Vector256.GreaterThanOrEqual(hi, t).ExtractMostSignificantBits() << 8);
        int shift = half * 16;
        masks[row] = half == 0 ? m : masks[row] | (m << shift);
        float* dst = scores + row * PackedPanels.Width + shift;
        lo.Store(dst);
        hi.Store(dst + 8);
    }

    private static void TilePortable(float** a, float* panel, int d, float* thr, uint* masks, float* scores)
    {
        for (int i = 0; i < RowsPerStep; i++)
        {
            float* row = a[i];
            float* s = scores + i * PackedPanels.Width;
            for (int c = 0; c < PackedPanels.Width; c++)
                s[c] = 0f;
            float* b = panel;
            for (int k = 0; k < d; k++, b += PackedPanels.Width)
            {
                float x = row[k];
                for (int c = 0; c < PackedPanels.Width; c++)
                    s[c] += x * b[c];
            }
            uint m = 0;
            for (int c = 0; c < PackedPanels.Width; c++)
                if (s[c] >= thr[i])
                    m |= 1u << c;
            masks[i] = m;
        }
    }
}
