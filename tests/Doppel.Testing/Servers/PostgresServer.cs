using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Npgsql;
using Xunit;

namespace Doppel.Testing.Servers;

/// <summary>
/// A throw-away PostgreSQL server for tests: Debian's binaries (<c>/usr/lib/postgresql/*/bin</c>, or
/// <c>DOPPEL_PG_BIN</c>), <c>initdb</c> into a temporary folder, listening on 127.0.0.1 on a free
/// port with its unix socket in that folder, fsync and full page writes off (a test cluster is deleted
/// at the end, and a killed server's writes survive in the OS page cache anyway). Commits stay
/// synchronous: with <c>synchronous_commit = off</c> a <see cref="KillAsync"/> loses the last commits,
/// and the kill tests must see exactly what a real crash keeps.
/// PostgreSQL refuses to run as root, so under root (CI) every server command runs as the
/// <c>postgres</c> system user the Debian package creates.
/// <para>
/// Register it once per test assembly (<c>[assembly: AssemblyFixture(typeof(PostgresServer))]</c>),
/// take it in a test class's constructor, call <see cref="Require"/> at the top of each test (skips on a
/// developer machine without PostgreSQL, fails under CI) and <see cref="CreateDatabaseAsync"/> for a
/// fresh database. <see cref="StopAsync"/>/<see cref="StartAsync"/> (or <see cref="KillAsync"/>)
/// drop every connection mid-test; the port and the databases stay.
/// </para>
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>The superuser initdb creates; the cluster trusts local connections, so no password.</summary>
    public const string User = "doppel";

    private const string PrefixName = "doppel-pgcluster";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    // A test run never lasts this long, so a folder this old is a server a killed test run left behind.
    private static readonly TimeSpan StaleAge = TimeSpan.FromHours(6);

    private string? _unavailable;
    private string _bin = "";
    private string _root = "";
    private bool _asPostgresUser;

    public string Host => "127.0.0.1";
    public int Port { get; private set; }
    public bool IsRunning { get; private set; }
    /// <summary>The cluster folder (data, log, socket); deleted at the end.</summary>
    public string RootDirectory => _root;
    public string DataDirectory => Path.Combine(_root, "data");
    public string LogFile => Path.Combine(_root, "server.log");
    public string SocketDirectory => Path.Combine(_root, "sock");
    /// <summary>The server's major version (15 with Debian 12's package).</summary>
    public int MajorVersion { get; private set; }

    /// <summary>Why the server could not be set up (programs or the postgres user missing), or null when it runs.</summary>
    public string? UnavailableReason => _unavailable;

    /// <summary>Skips the calling test (fails it under CI) when the server could not be set up, with the reason.</summary>
    public void Require()
    {
        if (_unavailable is not null)
            ServerRequirement.Unavailable(_unavailable);
    }

    public async ValueTask InitializeAsync()
    {
        var bin = FindBinaries();
        if (bin is null)
        {
            _unavailable = "PostgreSQL server programs (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin (DOPPEL_PG_BIN overrides). " +
                           "Install them with: bash scripts/install-system-deps.sh (Debian package postgresql).";
            return;
        }
        _bin = bin;
        MajorVersion = int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0;
        _asPostgresUser = IsRoot();
        if (_asPostgresUser && !await SystemUserExistsAsync("postgres"))
        {
            _unavailable = "Running as root, and PostgreSQL refuses to: the 'postgres' system user (created by Debian's postgresql package) is missing.";
            return;
        }
        await RemoveStaleClustersAsync();
        _root = RepoPaths.NewUnsweptTempDir(PrefixName);
        Directory.CreateDirectory(SocketDirectory);
        if (_asPostgresUser)
            await ProcessRunner.RunAsync("chown", ["-R", "postgres:postgres", _root], CommandTimeout);
        // --no-sync: initdb's own fsyncs are a third of its time, and this cluster never outlives the run.
        await RunServerToolAsync("initdb", ["-D", DataDirectory, "-U", User, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
        await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), $"""

            # doppel test cluster
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '{SocketDirectory}'
            fsync = off
            full_page_writes = off
            max_connections = 200
            """);
        await StartOnFreePortAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_root.Length == 0)
            return;
        try
        {
            if (IsRunning)
                await RunServerToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            IsRunning = false;
            NpgsqlConnection.ClearAllPools();
            TryDelete(_root);
        }
    }

    /// <summary>Starts the server again on the same port after <see cref="StopAsync"/> or <see cref="KillAsync"/>.</summary>
    public async Task StartAsync()
    {
        Require();
        if (IsRunning)
            return;
        await RunServerToolAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-o", $"-p {Port}", "-w", "-t", "60", "start"]);
        IsRunning = true;
    }

    /// <summary>A clean shutdown: open connections are ended, committed data is kept.</summary>
    public Task StopAsync() => StopAsync("fast");

    /// <summary>Stops the server the way a crash does (immediate mode: no checkpoint, every backend killed);
    /// committed data survives, open transactions are lost.</summary>
    public Task KillAsync() => StopAsync("immediate");

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    private async Task StopAsync(string mode)
    {
        Require();
        if (!IsRunning)
            return;
        await RunServerToolAsync("pg_ctl", ["-D", DataDirectory, "-m", mode, "-w", "stop"]);
        IsRunning = false;
        // Idle pooled connections in this process are dead now; without this the next open hands one out.
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>The superuser's connection to the <c>postgres</c> maintenance database.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = User,
        Database = database,
    }.ConnectionString;

    /// <summary>The same database as a <c>postgres://</c> URI, the form <c>--db</c> and <c>DOPPEL_DB</c> take.</summary>
    public string Uri(string database) => $"postgres://{User}@{Host}:{Port}/{database}";

    /// <summary>A new empty database, unique in this cluster.</summary>
    public async Task<PostgresTestDatabase> CreateDatabaseAsync(string prefix = "test")
    {
        Require();
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        if (name.Length > 63)
            throw new ArgumentException("PostgreSQL names are at most 63 bytes; use a shorter prefix.", nameof(prefix));
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new PostgresTestDatabase(name, ConnectionString(name), Uri(name));
    }

    private async Task StartOnFreePortAsync()
    {
        // A free port can be taken between the probe and the bind; try a few before giving up.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreeTcpPort();
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 5 && File.Exists(LogFile) && File.ReadAllText(LogFile).Contains("could not bind", StringComparison.Ordinal))
            {
            }
        }
    }

    private async Task RunServerToolAsync(string tool, IReadOnlyList<string> arguments)
    {
        var program = Path.Combine(_bin, tool);
        if (_asPostgresUser)
            await ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments], CommandTimeout);
        else
            await ProcessRunner.RunAsync(program, arguments, CommandTimeout);
    }

    private static string? FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("DOPPEL_PG_BIN") is { Length: > 0 } env)
            return File.Exists(Path.Combine(env, "pg_ctl")) ? env : null;
        const string lib = "/usr/lib/postgresql";
        if (!Directory.Exists(lib))
            return null;
        // The newest installed major version.
        return Directory.EnumerateDirectories(lib)
            .Select(d => (Dir: Path.Combine(d, "bin"), Major: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : -1))
            .Where(d => d.Major > 0 && File.Exists(Path.Combine(d.Dir, "initdb")) && File.Exists(Path.Combine(d.Dir, "pg_ctl")))
            .OrderByDescending(d => d.Major)
            .Select(d => d.Dir)
            .FirstOrDefault();
    }

    private async Task RemoveStaleClustersAsync()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), PrefixName + "-*"))
        {
            if (DateTime.UtcNow - Directory.GetCreationTimeUtc(directory) < StaleAge)
                continue;
            var data = Path.Combine(directory, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                try
                {
                    await RunServerToolAsync("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    // Already dead, or not ours to stop: the folder goes either way.
                }
            }
            TryDelete(directory);
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> SystemUserExistsAsync(string name)
    {
        try
        {
            await ProcessRunner.RunAsync("id", ["-u", name], TimeSpan.FromSeconds(10));
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    internal static bool IsRoot() => OperatingSystem.IsLinux() && geteuid() == 0;

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the stale sweep of a later run.
        }
    }
}

/// <summary>A database in a <see cref="PostgresServer"/>: its Npgsql connection string and its <c>postgres://</c> URI.</summary>
public sealed record PostgresTestDatabase(string Name, string ConnectionString, string Uri);
