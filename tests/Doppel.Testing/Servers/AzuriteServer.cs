using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Xunit;

namespace Doppel.Testing.Servers;

/// <summary>
/// Azurite's blob service for tests: the project-local install (<c>tools/azurite</c>, put there by
/// <c>scripts/install-system-deps.sh</c>), on 127.0.0.1 on a port the OS picks, storing into a
/// temporary folder, no telemetry, no access log. Register it once per test assembly
/// (<c>[assembly: AssemblyFixture(typeof(AzuriteServer))]</c>), call <see cref="Require"/> at the top
/// of each test (skips on a developer machine without Azurite, fails under CI) and
/// <see cref="CreateContainerAsync"/> for a fresh container.
/// </summary>
public sealed partial class AzuriteServer : IAsyncLifetime
{
    /// <summary>Azurite's one built-in account; its key is the emulator's published development key, valid nowhere else.</summary>
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private Process? _process;
    private string? _unavailable;
    private string _location = "";
    private readonly StringBuilder _output = new();

    public int Port { get; private set; }
    public string BlobEndpoint => $"http://127.0.0.1:{Port}/{AccountName}";

    /// <summary>The connection string Azure.Storage.Blobs and <c>doppel</c> take.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

    /// <summary>The program this harness starts.</summary>
    public static string Program => Path.Combine(RepoPaths.Root, "tools", "azurite", "node_modules", ".bin", "azurite-blob");

    public void Require()
    {
        if (_unavailable is not null)
            ServerRequirement.Unavailable(_unavailable);
    }

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Program))
        {
            _unavailable = $"Azurite is not installed ({Program} is missing). Install it with: bash scripts/install-system-deps.sh (needs Node.js and npm).";
            return;
        }
        _location = RepoPaths.NewUnsweptTempDir("doppel-azurite");
        var info = new ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --blobPort 0: the OS picks a free port and Azurite prints it, so no probe-then-bind race.
        // --skipApiVersionCheck: Azure.Storage.Blobs sends the newest service version it knows, which
        // may be newer than the one the pinned Azurite declares; the blob calls Doppel makes are the same.
        foreach (var argument in new[]
                 {
                     "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", _location,
                     "--silent", "--disableTelemetry", "--skipApiVersionCheck",
                 })
            info.ArgumentList.Add(argument);
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Program}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // Typically: node is not on PATH (the script's #!/usr/bin/env node).
            _unavailable = $"Azurite could not start ({e.Message}); it needs Node.js on PATH.";
            TryDelete(_location);
            return;
        }
        void OnLine(string? line)
        {
            if (line is null)
                return;
            lock (_output)
                _output.AppendLine(line);
            if (ListeningLine().Match(line) is { Success: true } match)
                listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"Azurite exited before listening:\n{Output}"));
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            Port = await listening.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Azurite did not report its port within {StartTimeout.TotalSeconds:0} s:\n{Output}");
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        if (_location.Length > 0)
            TryDelete(_location);
        return ValueTask.CompletedTask;
    }

    /// <summary>What Azurite printed, for failure messages.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>A new empty container with a unique name (lower case letters, digits and dashes, 3–63 long).</summary>
    public async Task<BlobContainerClient> CreateContainerAsync(string prefix = "test")
    {
        Require();
        var container = new BlobServiceClient(ConnectionString).GetBlobContainerClient($"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)]);
        await container.CreateAsync();
        return container;
    }

    [GeneratedRegex(@"successfully listens on https?://[^:\s]+:(\d+)")]
    private static partial Regex ListeningLine();

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
