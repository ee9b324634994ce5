using System.Diagnostics;
using Doppel.Cli.Tests;

namespace Doppel.Workers.Tests;

/// <summary>Real <c>doppel worker</c> processes on one catalog and job database, each killable with SIGKILL and
/// restartable in its slot; every process's stderr is kept for the failure message.</summary>
internal sealed class WorkerProcesses(string directory, string[] arguments) : IDisposable
{
    /// <summary>Worker options short enough that a killed worker's job and lease come back within seconds; the production
    /// defaults are minutes.</summary>
    public static readonly string[] FastRecovery = ["--orphan-after", "3", "--lease-ttl", "4"];

    private readonly List<Process?> _slots = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    public int Count => _slots.Count;

    public void StartAll(int count)
    {
        for (int i = 0; i < count; i++)
            _slots.Add(Start(i));
    }

    /// <summary>kill -9 of slot <paramref name="slot"/>'s process (no cleanup code runs), and a fresh worker in its place.</summary>
    public void KillAndReplace(int slot)
    {
        var process = _slots[slot]!;
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        process.WaitForExit();
        _log.Enqueue($"[slot {slot}] killed pid {process.Id} (exit {process.ExitCode})");
        process.Dispose();
        _slots[slot] = Start(slot);
    }

    public string Log => string.Join('\n', _log.TakeLast(200));

    private Process Start(int slot)
    {
        var process = DoppelProcess.Start(directory, ["worker", .. arguments]);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue($"[slot {slot} pid {process.Id}] {e.Data}"); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue($"[slot {slot} pid {process.Id}] {e.Data}"); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    public void Dispose()
    {
        foreach (var process in _slots)
        {
            if (process is null)
                continue;
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
        }
    }
}
