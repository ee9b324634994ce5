using System.Diagnostics;
using System.Globalization;
using Doppel.Testing;
using Doppel.Testing.Servers;

/// <summary>
/// <c>blob IMAGES</c>: issue 9's whole-set check, "doppel dedup gives exactly the same findings from the folder and
/// from an Azurite container holding the same files". Starts Azurite on 127.0.0.1 (the tests' harness), uploads every
/// file under IMAGES to a new container under the prefix <c>set/</c>, then runs the built <c>doppel dedup</c> on the
/// folder and on <c>az://CONTAINER/set</c>, each into a new SQLite catalog and report, in that order in the same minutes.
/// Compares <c>findings list --format csv</c> of both catalogs (paths made relative to the folder or the prefix) and
/// the two reports' <c>findings.csv</c> byte for byte; prints both wall times and the load. Exit 0 only when equal.
/// </summary>
internal static class BlobDedupBench
{
    private const string Prefix = "set";

    public static async Task<int> RunAsync(string images)
    {
        images = Path.GetFullPath(images).TrimEnd('/');
        var doppel = Path.Combine(RepoPaths.Root, "src", "Doppel.Cli", "bin", "Release", "net10.0", "doppel.dll");
        if (!File.Exists(doppel))
        {
            Console.Error.WriteLine($"{doppel} is missing: dotnet build -c Release src/Doppel.Cli");
            return 2;
        }
        if (!Directory.Exists(images))
        {
            Console.Error.WriteLine($"{images} is not a folder");
            return 2;
        }
        await using var azurite = new AzuriteServer();
        await azurite.InitializeAsync();
        try
        {
            azurite.Require();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        var folder = RepoPaths.NewTempDir("doppel-blob-bench");
        try
        {
            var container = await azurite.CreateContainerAsync("bench");
            var files = Directory.EnumerateFiles(images, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
            var upload = Stopwatch.StartNew();
            await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (file, token) =>
                await container.GetBlobClient($"{Prefix}/{Path.GetRelativePath(images, file).Replace('\\', '/')}").UploadAsync(file, token));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"uploaded {files.Count} files to Azurite in {upload.Elapsed.TotalSeconds:0.0} s (not part of either time)"));
            var blob = new Dictionary<string, string> { ["AZURE_STORAGE_CONNECTION_STRING"] = azurite.ConnectionString };
            var uri = $"az://{container.Name}/{Prefix}";

            Console.WriteLine($"load before: {File.ReadAllText("/proc/loadavg").Trim()}");
            var (folderSeconds, folderOutput) = RunDoppel(doppel, folder, [], "dedup", images, "--db", "folder.db", "--report", "folder-report");
            var (blobSeconds, blobOutput) = RunDoppel(doppel, folder, blob, "dedup", uri, "--db", "blob.db", "--report", "blob-report");
            Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}");

            var fromFolder = RunDoppel(doppel, folder, [], "findings", "list", "--db", "folder.db", "--format", "csv").Output
                .Replace(images + "/", "", StringComparison.Ordinal);
            var fromBlob = RunDoppel(doppel, folder, blob, "findings", "list", "--db", "blob.db", "--format", "csv").Output
                .Replace(Prefix + "/", "", StringComparison.Ordinal);
            var csvFolder = File.ReadAllText(Path.Combine(folder, "folder-report", "findings.csv"));
            var csvBlob = File.ReadAllText(Path.Combine(folder, "blob-report", "findings.csv"));
            int pairs = fromFolder.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
            bool same = fromFolder == fromBlob && csvFolder == csvBlob;

            Console.WriteLine($"folder: {Summary(folderOutput)}");
            Console.WriteLine($"blob:   {Summary(blobOutput)}");
            Console.WriteLine("| source | dedup wall s |");
            Console.WriteLine("|---|---|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| folder {images} | {folderSeconds:0.0} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Azurite {uri} | {blobSeconds:0.0} |"));
            Console.WriteLine(same
                ? $"findings: identical ({pairs} pairs in the catalogs' findings list; report findings.csv byte-identical)"
                : $"findings: DIFFERENT (catalog lists equal: {fromFolder == fromBlob}; report findings.csv equal: {csvFolder == csvBlob})");
            return same ? 0 : 1;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Summary(string output) =>
        string.Join("; ", output.Split('\n').Where(l => l.StartsWith("Duplicate pairs", StringComparison.Ordinal) || l.Contains("processed this run", StringComparison.Ordinal)).Select(l => l.Trim()));

    /// <summary>Runs the built <c>doppel</c> in <paramref name="folder"/> (its logs there too) and times it; throws with its
    /// error output when it fails. The engine bench's runner as well.</summary>
    public static (double Seconds, string Output) RunDoppel(string doppel, string folder, Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(doppel);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["DOPPEL_LOG_DIR"] = Path.Combine(folder, "logs");
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        clock.Stop();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"doppel {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}");
        return (clock.Elapsed.TotalSeconds, output.Result);
    }
}
