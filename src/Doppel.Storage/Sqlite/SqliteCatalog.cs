using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite;

/// <summary>
/// The embedded catalog: one SQLite file in WAL mode, so readers never block the writer and a killed
/// process never corrupts it. Several processes may open the same file; writes wait up to
/// <see cref="BusyTimeout"/> for each other, and commands that must not overlap take a lock
/// (<see cref="AcquireLock"/>). Opening applies any pending schema migrations.
/// </summary>
public sealed partial class SqliteCatalog : ICatalog
{
    /// <summary>How long a write waits for another process's write transaction before failing.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    private readonly SqliteConnection _connection;
    private SqliteTransaction? _transaction;
    private int _savepointCounter;

    public string Location { get; }

    public int SchemaVersion { get; private set; }

    private SqliteCatalog(string path, SqliteConnection connection)
    {
        Location = path;
        _connection = connection;
    }

    /// <summary>Where the catalog lives unless told otherwise: <c>$DOPPEL_CATALOG</c>, default
    /// <c>~/.local/share/doppel/catalog.db</c>.</summary>
    public static string DefaultPath =>
        Environment.GetEnvironmentVariable("DOPPEL_CATALOG") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "doppel", "catalog.db");

    /// <summary>Opens (creating when absent) the catalog at <paramref name="path"/> and brings its
    /// schema up to date; throws <see cref="CatalogVersionException"/> when the file is newer than this code.</summary>
    public static SqliteCatalog Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath);
        if (directory is not null)
            Directory.CreateDirectory(directory);
        RefuseForeignDatabase(fullPath);
        var connection = OpenConnection(fullPath);
        var catalog = new SqliteCatalog(fullPath, connection);
        try
        {
            catalog.Migrate();
            return catalog;
        }
        catch (SqliteException e)
        {
            catalog.Dispose();
            throw new CatalogException($"Cannot open the catalog {fullPath}: {e.Message} Is it a Doppel catalog (SQLite file)?", e);
        }
        catch
        {
            catalog.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Refuses, before anything is written (no table added, journal mode left as it is), a file that is
    /// an SQLite database of some other program: Doppel used to add its tables next to the owner's and
    /// switch the file to WAL. A file is Doppel's when it is empty, new, or has Doppel's
    /// <c>schema_migrations</c> table (version, name, applied_at); Rails' table of the same name has
    /// only <c>version</c>.
    /// </summary>
    private static void RefuseForeignDatabase(string fullPath)
    {
        var file = new FileInfo(fullPath);
        if (!file.Exists || file.Length == 0)
            return;
        var builder = new SqliteConnectionStringBuilder { DataSource = fullPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        List<string> tables;
        HashSet<string> migrationColumns;
        try
        {
            using var connection = new SqliteConnection(builder.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name";
            tables = [];
            using (var reader = command.ExecuteReader())
                while (reader.Read())
                    tables.Add(reader.GetString(0));
            migrationColumns = [];
            if (tables.Contains("schema_migrations"))
            {
                command.CommandText = "SELECT name FROM pragma_table_info('schema_migrations')";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                    migrationColumns.Add(reader.GetString(0));
            }
        }
        catch (SqliteException e)
        {
            throw new CatalogException($"Cannot open the catalog {fullPath}: {e.Message} Is it a Doppel catalog (SQLite file)? It was left as it is.", e);
        }
        if (tables.Count == 0 || migrationColumns.SetEquals(["version", "name", "applied_at"]))
            return;
        var shown = string.Join(", ", tables.Take(5)) + (tables.Count > 5 ? $" and {tables.Count - 5} more" : "");
        throw new CatalogException(
            $"{fullPath} is an SQLite database of another program (tables {shown}), not a Doppel catalog: it was left untouched. Give --db a new file name.");
    }

    internal static SqliteConnection OpenConnection(string fullPath)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            // Pooled connections keep the file open after Dispose; a catalog owns its connection outright.
            Pooling = false,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            // WAL: readers and one writer proceed together, and a crash mid-transaction rolls back
            // cleanly on next open. synchronous=NORMAL is durable across process kills (only an OS
            // crash can lose the last commits, never corrupt), and much faster for bulk writes.
            pragma.CommandText = $"""
                PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                """;
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new CatalogException($"Cannot open the catalog {fullPath}: {e.Message}", e);
        }
    }

    private void Migrate()
    {
        // A migration may rebuild a table (SQLite cannot alter a primary key in place). With foreign
        // keys on, dropping the old table would fire the ON DELETE actions of every row referencing
        // it; off, the references are left as they are and checked before the commit instead. The
        // pragma is a no-op inside a transaction, so it is switched around it.
        Execute("PRAGMA foreign_keys = OFF");
        try
        {
            MigrateWithoutForeignKeys();
        }
        finally
        {
            Execute("PRAGMA foreign_keys = ON");
        }
    }

    private void MigrateWithoutForeignKeys()
    {
        // IMMEDIATE takes the write lock up front, so two processes opening a fresh file at once
        // apply each script exactly once: the second waits, then sees the version already there.
        using var tx = _connection.BeginTransaction(deferred: false);
        _transaction = tx;
        try
        {
            Execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    applied_at TEXT NOT NULL
                )
                """);
            var current = Convert.ToInt32(Scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0L, CultureInfo.InvariantCulture);
            if (current > SqliteMigrations.Latest)
                throw new CatalogVersionException(Location, current, SqliteMigrations.Latest);
            var pending = SqliteMigrations.All.Where(m => m.Version > current).ToList();
            foreach (var migration in pending)
            {
                Execute(migration.Sql);
                Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @t)",
                    ("@v", migration.Version), ("@n", migration.Name), ("@t", Now()));
                current = migration.Version;
            }
            if (pending.Count > 0)
                RequireForeignKeysIntact(current);
            tx.Commit();
            SchemaVersion = current;
        }
        finally
        {
            _transaction = null;
        }
    }

    /// <summary>Throws (so the upgrade rolls back) when a row references a row that does not exist.</summary>
    private void RequireForeignKeysIntact(int version)
    {
        var broken = Query("PRAGMA foreign_key_check", r => $"{r.GetString(0)} row {r.GetInt64(1)} -> {r.GetString(2)}");
        if (broken.Count > 0)
            throw new CatalogException(
                $"Cannot upgrade the catalog {Location} to schema version {version}: {broken.Count} rows reference rows that do not exist " +
                $"({string.Join(", ", broken.Take(5))}{(broken.Count > 5 ? ", ..." : "")}). Nothing was changed; fix or remove those rows, or restore a backup.");
    }

    public ICatalogTransaction BeginTransaction()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_transaction is not null)
            throw new InvalidOperationException("A catalog transaction is already open on this catalog; transactions do not nest.");
        _transaction = _connection.BeginTransaction(deferred: false);
        return new Transaction(this, _transaction);
    }

    private sealed class Transaction(SqliteCatalog owner, SqliteTransaction transaction) : ICatalogTransaction
    {
        private bool _done;

        public void Commit()
        {
            if (_done)
                throw new InvalidOperationException("This catalog transaction has already ended.");
            transaction.Commit();
            End();
        }

        public void Dispose()
        {
            if (_done)
                return;
            transaction.Rollback();
            End();
        }

        private void End()
        {
            _done = true;
            transaction.Dispose();
            owner._transaction = null;
        }
    }

    /// <summary>Runs <paramref name="body"/> atomically: in its own transaction, or inside a savepoint
    /// of the caller's open transaction, so a failure undoes exactly this call's writes.</summary>
    private T Write<T>(Func<T> body)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_transaction is { } outer)
        {
            var savepoint = "sp" + (++_savepointCounter).ToString(CultureInfo.InvariantCulture);
            outer.Save(savepoint);
            try
            {
                var result = body();
                outer.Release(savepoint);
                return result;
            }
            catch
            {
                outer.Rollback(savepoint);
                outer.Release(savepoint);
                throw;
            }
        }
        using var tx = _connection.BeginTransaction(deferred: false);
        _transaction = tx;
        try
        {
            var result = body();
            tx.Commit();
            return result;
        }
        finally
        {
            _transaction = null;
        }
    }

    private void Write(Action body) => Write(() => { body(); return 0; });

    internal SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = _transaction;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
            rows.Add(map(reader));
        return rows;
    }

    // Timestamps are ISO-8601 UTC with 100 ns precision: they sort as text and round-trip exactly.
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    internal static string Now() => FormatTime(DateTimeOffset.UtcNow);

    internal static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    internal static DateTimeOffset ParseTime(string text) =>
        new(DateTime.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);

    private static DateTimeOffset? ParseTimeOrNull(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : ParseTime(reader.GetString(ordinal));

    private static string? StringOrNull(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? LongOrNull(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    private static int? IntOrNull(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    private static float? FloatOrNull(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFloat(ordinal);

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _transaction?.Dispose();
        _transaction = null;
        _connection.Dispose();
    }
}
