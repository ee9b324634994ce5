using System.Globalization;
using Doppel.Testing;
using Doppel.Testing.Servers;

/// <summary>
/// <c>dedup IMAGES [ROUNDS]</c>: the main job's wall time on each engine in the same minutes, as a user runs it
/// (the built <c>doppel</c>, a fresh catalog each round): cold (ingest with inference, matching, findings) and
/// warm (the same command again: listing, hashing, registration and matching over the stored vectors, no
/// inference, so the catalog's share of the time shows). SQLite and PostgreSQL alternate within each round so
/// load drifts hit both. The issue's goal: PostgreSQL at most 1.3x SQLite.
/// </summary>
internal static class EngineDedupBench
{
    public static async Task<int> RunAsync(string images, int rounds)
    {
        // The doppel child runs in the bench's temporary folder: a relative images path must be resolved here.
        images = Path.GetFullPath(images);
        var doppel = Path.Combine(RepoPaths.Root, "src", "Doppel.Cli", "bin", "Release", "net10.0", "doppel.dll");
        if (!File.Exists(doppel))
        {
            Console.Error.WriteLine($"{doppel} is missing: dotnet build -c Release src/Doppel.Cli");
            return 2;
        }
        await using var server = new PostgresServer();
        await server.InitializeAsync();
        if (server.UnavailableReason is { } reason)
        {
            Console.Error.WriteLine(reason);
            return 2;
        }
        var folder = RepoPaths.NewTempDir("doppel-engine-bench");
        var times = new Dictionary<string, List<double>>();
        try
        {
            Console.WriteLine($"load before: {File.ReadAllText("/proc/loadavg").Trim()}");
            for (int round = 1; round <= rounds; round++)
            {
                var sqlite = Path.Combine(folder, $"round{round}.db");
                var postgres = (await server.CreateDatabaseAsync($"round{round}")).Uri;
                foreach (var (engine, db) in new[] { ("sqlite", sqlite), ("postgres", postgres) })
                {
                    Record(times, $"{engine} cold", Run(doppel, folder, images, db));
                    Record(times, $"{engine} warm", Run(doppel, folder, images, db));
                }
            }
            Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine("| run | median s | all rounds s |");
            Console.WriteLine("|---|---|---|");
            foreach (var (name, list) in times)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(list):0.00} | {string.Join(", ", list.Select(t => t.ToString("0.00", CultureInfo.InvariantCulture)))} |"));
            foreach (var phase in new[] { "cold", "warm" })
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"PostgreSQL / SQLite, {phase}: {Median(times[$"postgres {phase}"]) / Median(times[$"sqlite {phase}"]):0.00}x"));
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double Run(string doppel, string folder, string images, string db)
    {
        var (seconds, output) = BlobDedupBench.RunDoppel(doppel, folder, [], "dedup", images, "--db", db);
        Console.WriteLine($"  {db}: {output.Split('\n').FirstOrDefault(l => l.StartsWith("Duplicate pairs", StringComparison.Ordinal))}");
        return seconds;
    }

    private static void Record(Dictionary<string, List<double>> times, string name, double seconds)
    {
        if (!times.TryGetValue(name, out var list))
            times[name] = list = [];
        list.Add(seconds);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
