using System.Diagnostics;

namespace Doppel.Cli.Infrastructure;

/// <summary>
/// Progress for long runs on stderr: a self-overwriting line on a terminal, a plain line every few
/// seconds when output is redirected (CI, logs), so progress never pollutes JSON on stdout.
/// </summary>
public sealed class ConsoleProgress(string label, long total) : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private long _done;
    private TimeSpan _lastPrint = TimeSpan.FromDays(-1);
    private readonly Lock _gate = new();

    public long Done => Interlocked.Read(ref _done);

    /// <summary>Sets the absolute count (for callers that report totals rather than steps).</summary>
    public void Report(long done) => Advance(done - Interlocked.Exchange(ref _done, done), alreadyAdded: true);

    public void Advance(long by = 1) => Advance(by, alreadyAdded: false);

    private void Advance(long by, bool alreadyAdded)
    {
        var done = alreadyAdded ? Interlocked.Read(ref _done) : Interlocked.Add(ref _done, by);
        var now = _clock.Elapsed;
        var interval = _interactive ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(5);
        lock (_gate)
        {
            if (now - _lastPrint < interval && done < total)
                return;
            _lastPrint = now;
            Print(done, now);
        }
    }

    private void Print(long done, TimeSpan elapsed)
    {
        double rate = done / Math.Max(elapsed.TotalSeconds, 1e-3);
        string eta = rate > 0 && total > done ? $", ETA {TimeSpan.FromSeconds((total - done) / rate):mm\\:ss}" : "";
        string pct = total > 0 ? $" ({100.0 * done / total:0.0}%)" : "";
        string line = $"{label}: {done}/{total}{pct}, {rate:0.0}/s{eta}";
        if (_interactive)
            Console.Error.Write("\r" + line.PadRight(Math.Min(Console.WindowWidth > 0 ? Console.WindowWidth - 1 : 100, 120)));
        else
            Console.Error.WriteLine(line);
    }

    public void Dispose()
    {
        lock (_gate)
            Print(Interlocked.Read(ref _done), _clock.Elapsed);
        if (_interactive)
            Console.Error.WriteLine();
    }
}
