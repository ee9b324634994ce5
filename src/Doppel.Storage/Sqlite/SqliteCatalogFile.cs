using System.Globalization;
using Doppel.Storage.Sqlite.Stores;
using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite;

/// <summary>
/// A catalog file as a whole: refusing a database of another program untouched, WAL mode, and bringing the
/// schema up to date (<see cref="SqliteMigrations"/>) when <see cref="Stores.SqliteDatabase"/> opens it.
/// </summary>
internal static class SqliteCatalogFile
{
    /// <summary>How long a write waits for another process's write transaction before failing.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Opens (creating when absent) the catalog at <paramref name="path"/> and applies pending migrations; returns
    /// its full path and schema version. Throws <see cref="CatalogVersionException"/> when the file is newer than this code,
    /// <see cref="CatalogException"/> when it is not a Doppel catalog (left untouched) or an upgrade fails (rolled back).</summary>
    public static (string FullPath, int SchemaVersion) OpenAndMigrate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath);
        if (directory is not null)
            Directory.CreateDirectory(directory);
        RefuseForeignDatabase(fullPath);
        using var session = new SqliteSession(OpenConnection(fullPath));
        try
        {
            return (fullPath, Migrate(session, fullPath));
        }
        catch (SqliteException e)
        {
            throw new CatalogException($"Cannot open the catalog {fullPath}: {e.Message} Is it a Doppel catalog (SQLite file)?", e);
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

    private static SqliteConnection OpenConnection(string fullPath)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            // Not pooled: the migration's connection must let the file go when it is done.
            Pooling = false,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            // WAL: readers and one writer proceed together, and a crash mid-transaction rolls back
            // cleanly on next open. synchronous=NORMAL is durable across process kills (only an OS
            // crash can lose the last commits, never corrupt), and much faster for bulk writes.
            using var pragma = connection.CreateCommand();
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

    private static int Migrate(SqliteSession session, string location)
    {
        // A migration may rebuild a table (SQLite cannot alter a primary key in place). With foreign
        // keys on, dropping the old table would fire the ON DELETE actions of every row referencing
        // it; off, the references are left as they are and checked before the commit instead. The
        // pragma is a no-op inside a transaction, so it is switched around it.
        session.Execute("PRAGMA foreign_keys = OFF");
        try
        {
            return MigrateWithoutForeignKeys(session, location);
        }
        finally
        {
            session.Execute("PRAGMA foreign_keys = ON");
        }
    }

    private static int MigrateWithoutForeignKeys(SqliteSession session, string location)
    {
        // IMMEDIATE takes the write lock up front, so two processes opening a fresh file at once
        // apply each script exactly once: the second waits, then sees the version already there.
        using var tx = session.Connection.BeginTransaction(deferred: false);
        session.Transaction = tx;
        try
        {
            session.Execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    applied_at TEXT NOT NULL
                )
                """);
            int current = (int)session.Long("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
            if (current > SqliteMigrations.Latest)
                throw new CatalogVersionException(location, current, SqliteMigrations.Latest);
            var pending = SqliteMigrations.All.Where(m => m.Version > current).ToList();
            foreach (var migration in pending)
            {
                session.Execute(migration.Sql);
                session.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @t)",
                    ("@v", migration.Version), ("@n", migration.Name), ("@t", SqliteTime.Now()));
                current = migration.Version;
            }
            if (pending.Count > 0)
                RequireForeignKeysIntact(session, location, current);
            tx.Commit();
            return current;
        }
        finally
        {
            session.Transaction = null;
        }
    }

    /// <summary>Throws (so the upgrade rolls back) when a row references a row that does not exist.</summary>
    private static void RequireForeignKeysIntact(SqliteSession session, string location, int version)
    {
        var broken = session.Query("PRAGMA foreign_key_check", r => $"{r.GetString(0)} row {r.GetInt64(1)} -> {r.GetString(2)}");
        if (broken.Count > 0)
            throw new CatalogException(
                $"Cannot upgrade the catalog {location} to schema version {version}: {broken.Count} rows reference rows that do not exist " +
                $"({string.Join(", ", broken.Take(5))}{(broken.Count > 5 ? ", ..." : "")}). Nothing was changed; fix or remove those rows, or restore a backup.");
    }
}

/// <summary>Timestamps of a SQLite catalog: ISO-8601 UTC with 100 ns precision, so they sort as text and round-trip exactly.</summary>
internal static class SqliteTime
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string Now() => Write(DateTimeOffset.UtcNow);

    public static string Write(DateTimeOffset time) => time.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) =>
        new(DateTime.ParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);
}
