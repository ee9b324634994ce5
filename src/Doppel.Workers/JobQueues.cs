using System.Globalization;

namespace Doppel.Workers;

/// <summary>The named queues, one per stage, and how many jobs of each a worker runs at once.</summary>
public static class JobQueues
{
    public const string Analyse = "analyse";
    public const string Match = "match";
    public const string Report = "report";
    public const string Notify = "notify";

    public static IReadOnlyList<string> All { get; } = [Analyse, Match, Report, Notify];

    /// <summary>Analysis uses every core through its own pipeline threads, so one job at a time per worker by
    /// default; matching parallelises inside the join; report and notify jobs are light.</summary>
    public const string DefaultConcurrency = "analyse=1,match=1,report=1,notify=1";

    /// <summary>Parses <c>analyse=2,match=1</c>: queues not named get no server (0). Throws <see cref="ArgumentException"/>
    /// with a message to act on.</summary>
    public static IReadOnlyDictionary<string, int> ParseConcurrency(string text)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (!All.Contains(kv[0]))
                throw new ArgumentException($"--queues: unknown queue '{kv[0]}' (queues: {string.Join(", ", All)}).");
            if (kv.Length != 2 || !int.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 0 || n > 64)
                throw new ArgumentException($"--queues: '{part}' must be QUEUE=N with N from 0 to 64.");
            if (!result.TryAdd(kv[0], n))
                throw new ArgumentException($"--queues: queue '{kv[0]}' named twice.");
        }
        if (result.Values.Sum() == 0)
            throw new ArgumentException("--queues: at least one queue needs a concurrency above 0.");
        return result;
    }
}
