using System.Runtime.Intrinsics.X86;

namespace Doppel.Matching.Bench;

/// <summary>The CPU's fp32 fused-multiply-add peak, for "share of peak" figures.</summary>
internal static class Machine
{
    /// <summary>Nominal clock from /proc/cpuinfo (the VM reports no turbo, so this is what we can state).</summary>
    public static double Ghz
    {
        get
        {
            foreach (var line in File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo") : [])
                if (line.StartsWith("cpu MHz", StringComparison.Ordinal))
                    return double.Parse(line[(line.IndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture) / 1000;
            return 0;
        }
    }

    public static int Lanes => Avx512F.IsSupported ? 16 : Avx2.IsSupported ? 8 : 4;

    /// <summary>Server Xeons with AVX-512 have two 512-bit FMA units per core (ports 0 and 5).</summary>
    public const int FmaUnits = 2;

    public static double PeakFlops(int threads) =>
        Math.Min(threads, Environment.ProcessorCount) * Ghz * 1e9 * FmaUnits * Lanes * 2;

    public static string PeakFormula(int threads) =>
        $"{Math.Min(threads, Environment.ProcessorCount)} cores x {Ghz:F1} GHz x {FmaUnits} FMA units x {Lanes} lanes x 2";
}
