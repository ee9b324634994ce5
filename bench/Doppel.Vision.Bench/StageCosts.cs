using System.Diagnostics;
using Doppel.Vision.Alignment;
using Doppel.Vision.Decoding;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Inference;

namespace Doppel.Vision.Bench;

/// <summary>
/// Where the default pipeline's time goes: CPU milliseconds per image of each stage, run one after
/// the other on one thread (sessions single-threaded), over the first LIMIT images. CPU time, not
/// wall time, so that other work on a shared machine inflates the figures less.
/// </summary>
internal static class StageCosts
{
    public static int Run(string directory, int limit)
    {
        var paths = BenchImages.List(directory, limit > 0 ? limit : 500);
        var decoder = new ImageDecoder();
        using var shipped = new BlazeFaceDetector(new BlazeFaceOptions { UseShippedGraph = true });
        using var prepared = new BlazeFaceDetector();
        using var embedder = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, new EmbedderOptions { BatchSize = 16, Session = new OnnxSessionOptions { IntraOpThreads = 1 } });

        // Warm-up: JIT, sessions' first runs.
        using (var first = decoder.Decode(paths[0]))
        {
            var face = prepared.Detect(first.Image!)[0];
            shipped.Detect(first.Image!);
            embedder.Embed([new FaceCrop(first.Image!, face.Landmarks!)]);
        }

        var decoded = new List<DecodedImage>(paths.Count);
        double decode = CpuMs(() => { foreach (var p in paths) decoded.Add(decoder.Decode(p)); });
        var images = decoded.Where(d => d.IsOk).Select(d => d.Image!).ToList();
        double detectShipped = CpuMs(() => { foreach (var i in images) shipped.Detect(i); });
        var faces = new List<FaceCrop>(images.Count);
        double detect = CpuMs(() =>
        {
            foreach (var i in images)
                if (prepared.Detect(i) is [var best, ..])
                    faces.Add(new FaceCrop(i, best.Landmarks!));
        });
        double align = CpuMs(() => { foreach (var f in faces) FaceAligner.Align(f.Bgr, f.Landmarks, EmbedderSpec.DlibResNet29.Template).Dispose(); });
        double embed = CpuMs(() => { foreach (var chunk in faces.Chunk(16)) embedder.Embed(chunk); });
        decoded.ForEach(d => d.Dispose());

        int n = paths.Count;
        Console.WriteLine($"stage CPU ms per image, one thread, {n} images ({faces.Count} faces), load {BenchMachine.Load}:");
        Console.WriteLine($"  decode                                  {decode / n,6:0.00}");
        Console.WriteLine($"  blazeface, shipped graph                {detectShipped / n,6:0.00}");
        Console.WriteLine($"  blazeface, prepared graph               {detect / n,6:0.00}");
        Console.WriteLine($"  align alone (warp to the 150x150 chip)  {align / Math.Max(1, faces.Count),6:0.00} per face");
        Console.WriteLine($"  align + tensor + dlib-resnet29 (b16)    {embed / Math.Max(1, faces.Count),6:0.00} per face");
        return 0;
    }

    /// <summary>Process CPU time of <paramref name="work"/> in milliseconds (includes GC work it causes).</summary>
    public static double CpuMs(Action work)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.TotalProcessorTime;
        work();
        process.Refresh();
        return (process.TotalProcessorTime - before).TotalMilliseconds;
    }
}

/// <summary>What a benchmark line states about the machine it ran on.</summary>
internal static class BenchMachine
{
    /// <summary>The 1-, 5- and 15-minute load averages.</summary>
    public static string Load => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
