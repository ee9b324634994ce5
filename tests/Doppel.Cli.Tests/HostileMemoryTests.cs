using System.Text.RegularExpressions;
using Doppel.Testing;
using Doppel.Vision.Decoding;

namespace Doppel.Cli.Tests;

/// <summary>
/// Issue 12's memory bound, measured: the peak RSS of a real <c>doppel dedup</c> over LFW photos mixed
/// with the hostile corpus (decompression and scan bombs, files over every budget, and PNGs just under
/// the decode budget so that several workers hold one each at once) stays within the bound the README
/// states: the same run's peak on the photos alone plus (workers + 1) x the most one image in flight
/// can hold (<see cref="ImageDecoderOptions.MemoryPerImage"/>: file + decode budget + detector copies).
/// Workers are set through DOTNET_PROCESSOR_COUNT (the pipeline runs one per core).
/// </summary>
public partial class HostileMemoryTests
{
    private static readonly ImageDecoderOptions Budgets = new();

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void PeakMemoryWithHostileFilesStaysWithinTheStatedBound(int workers)
    {
        InstalledModels.RequireDefaults();
        var dir = RepoPaths.NewTempDir("doppel-hostile-memory");
        var photos = HostileCorpusFiles.CopyLfw(dir, people: 8, perPerson: 4);
        HostileCorpusFiles.Write(dir, fuzzed: 200, memoryStress: 2 * workers);
        var environment = new Dictionary<string, string?> { ["DOTNET_PROCESSOR_COUNT"] = workers.ToString(), ["DOPPEL_TRACE"] = null };

        var (clean, cleanPeak) = RunMeasured(dir, environment, "dedup", "photos", "--db", "clean.db");
        clean.ExitCode.ShouldBe(0, clean.Error);
        var (hostile, hostilePeak) = RunMeasured(dir, environment, "dedup", ".", "--db", "hostile.db", "--report", "report");
        hostile.ExitCode.ShouldBe(0, hostile.Error);
        hostile.Output.ShouldContain("Not read: ");
        Images(hostile.Output).ShouldBeGreaterThan(photos.Count + 200);

        long bound = cleanPeak + (workers + 1) * Budgets.MemoryPerImage;
        var line = $"{workers} workers: peak RSS {cleanPeak >> 20} MiB on the photos alone, {hostilePeak >> 20} MiB with the hostile files; bound {bound >> 20} MiB";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "doppel-hostile-memory.log"), line + "\n");
        hostilePeak.ShouldBeLessThanOrEqualTo(bound, line);
    }

    private static int Images(string output) => int.Parse(ImagesLine().Match(output).Groups[1].Value);

    [GeneratedRegex(@"Images: (\d+)")]
    private static partial Regex ImagesLine();

    /// <summary>Runs doppel and samples its high-water RSS (VmHWM, which never decreases) every 20 ms;
    /// the last sample is the peak of all but the last 20 ms, which are spent printing the summary.</summary>
    private static (DoppelProcess.Result Result, long PeakBytes) RunMeasured(string dir, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = DoppelProcess.Start(dir, environment, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        long peak = 0;
        var status = $"/proc/{process.Id}/status";
        while (!process.HasExited)
        {
            try
            {
                foreach (var l in File.ReadLines(status))
                    if (l.StartsWith("VmHWM:", StringComparison.Ordinal))
                        peak = Math.Max(peak, long.Parse(l[6..].Trim().Split(' ')[0]) * 1024);
            }
            catch (IOException)
            {
                break; // exited between the check and the read
            }
            Thread.Sleep(20);
        }
        process.WaitForExit();
        return (new DoppelProcess.Result(process.ExitCode, output.Result, error.Result), peak);
    }
}
