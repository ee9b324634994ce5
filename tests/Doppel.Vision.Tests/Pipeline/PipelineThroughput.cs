using System.Diagnostics;
using Doppel.Vision.Decoding;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;
using Doppel.Vision.Tests.Support;

namespace Doppel.Vision.Tests.Pipeline;

/// <summary>End-to-end speed of the default pipeline on LFW dev (a measurement, not a check: timings
/// never go in assertions). Explicit; run in Release:
/// <c>tests/Doppel.Vision.Tests/bin/Release/net10.0/Doppel.Vision.Tests -method "*MeasureLfwThroughput*" -explicit only -showLiveOutput</c>.
/// <c>DOPPEL_BENCH_IMAGES</c> limits the image count (default 2000).</summary>
public sealed class PipelineThroughput(ITestOutputHelper output)
{
    [Fact(Explicit = true)]
    public void MeasureLfwThroughput()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("DOPPEL_BENCH_IMAGES"), out var n) ? n : 2000;
        var images = Lfw.AllImages().Take(count).ToList();
        using var pipeline = FacePipeline.CreateDlib();
        pipeline.AnalyzeMany(images.Take(50).ToList()); // warm-up: sessions, thread pool, JIT
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var results = pipeline.AnalyzeMany(images);
        clock.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        output.WriteLine($"{results.Count} images, {results.Sum(r => r.Faces.Count)} faces in {clock.Elapsed.TotalSeconds:0.0} s: " +
                         $"{results.Count / clock.Elapsed.TotalSeconds:0} images/s wall, {cpu.TotalMilliseconds / results.Count:0.0} ms CPU per image " +
                         $"({Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
    }

    /// <summary>CPU milliseconds per image of each stage, one thread, 300 images.</summary>
    [Fact(Explicit = true)]
    public void MeasureStageCosts()
    {
        var images = Lfw.AllImages().Take(300).ToList();
        var decoder = new ImageDecoder();
        using var detector = new BlazeFaceDetector();
        using var embedder = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, new EmbedderOptions { BatchSize = 32, Session = new() { IntraOpThreads = 1 } });
        var process = Process.GetCurrentProcess();
        double Cpu() { process.Refresh(); return process.TotalProcessorTime.TotalMilliseconds; }
        var decoded = new List<DecodedImage>();
        var t0 = Cpu();
        foreach (var path in images) decoded.Add(decoder.Decode(path));
        var t1 = Cpu();
        var crops = new List<FaceCrop>();
        foreach (var d in decoded) crops.Add(new FaceCrop(d.Image!, detector.Detect(d.Image!)[0].Landmarks!));
        var t2 = Cpu();
        foreach (var chunk in crops.Chunk(32)) embedder.Embed(chunk);
        var t3 = Cpu();
        output.WriteLine($"per image: decode {(t1 - t0) / images.Count:0.00} ms, detect {(t2 - t1) / images.Count:0.00} ms, embed {(t3 - t2) / images.Count:0.00} ms CPU");
        decoded.ForEach(d => d.Dispose());
    }
}
