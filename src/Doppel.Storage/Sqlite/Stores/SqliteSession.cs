using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite.Stores;

/// <summary>One connection, and the transaction open on it if any: what a store operation or a unit of work runs on.</summary>
internal sealed class SqliteSession(SqliteConnection connection) : IDisposable
{
    private int _savepoints;

    public SqliteConnection Connection { get; } = connection;

    public SqliteTransaction? Transaction { get; set; }

    public SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = Transaction;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    public object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public long Long(string sql, params (string Name, object? Value)[] parameters) =>
        Convert.ToInt64(Scalar(sql, parameters) ?? 0L, CultureInfo.InvariantCulture);

    public List<T> Query<T>(string sql, Func<SqliteDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
            rows.Add(map(reader));
        return rows;
    }

    /// <summary>Runs <paramref name="body"/> atomically: in a new IMMEDIATE transaction, or in a savepoint of the
    /// open one (a unit of work), so a failure undoes exactly this operation's writes.</summary>
    public T Atomically<T>(Func<T> body)
    {
        if (Transaction is { } outer)
        {
            var name = "sp" + (++_savepoints).ToString(CultureInfo.InvariantCulture);
            outer.Save(name);
            try
            {
                var result = body();
                outer.Release(name);
                return result;
            }
            catch
            {
                outer.Rollback(name);
                outer.Release(name);
                throw;
            }
        }
        using var tx = Connection.BeginTransaction(deferred: false);
        Transaction = tx;
        try
        {
            var result = body();
            tx.Commit();
            return result;
        }
        finally
        {
            Transaction = null;
        }
    }

    public void Dispose()
    {
        Transaction?.Dispose();
        Transaction = null;
        Connection.Dispose();
    }
}

/// <summary>The catalog's rows as SQLite stores them: timestamps are ISO-8601 text (<see cref="SqliteTime"/>).</summary>
internal sealed class SqliteRows : CatalogRows
{
    public static SqliteRows Instance { get; } = new();

    public override DateTimeOffset Time(System.Data.Common.DbDataReader r, int i) => SqliteTime.Parse(r.GetString(i));
}

/// <summary>Column readers shared by the stores.</summary>
internal static class Col
{
    public static string? Str(SqliteDataReader r, int i) => CatalogRows.Str(r, i);

    public static long? Long(SqliteDataReader r, int i) => CatalogRows.Long(r, i);

    public static int? Int(SqliteDataReader r, int i) => CatalogRows.Int(r, i);

    public static float? Float(SqliteDataReader r, int i) => CatalogRows.Float(r, i);

    public static DateTimeOffset Time(SqliteDataReader r, int i) => SqliteRows.Instance.Time(r, i);

    public static DateTimeOffset? TimeOrNull(SqliteDataReader r, int i) => SqliteRows.Instance.TimeOrNull(r, i);

    /// <summary>A list of ids as one parameter: <c>IN (SELECT value FROM json_each(@ids))</c>.</summary>
    public static string Ids(IEnumerable<long> ids) => "[" + string.Join(',', ids.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]";

    public static string Strings(IEnumerable<string> values) => System.Text.Json.JsonSerializer.Serialize(values);
}

/// <summary>
/// Where a store operation runs: a unit of work's session (shared, a savepoint per write), or a fresh
/// pooled connection per operation (so one store instance is safe from many threads).
/// </summary>
internal sealed class SqliteScope(SqliteDatabase database, TenantId tenant, SqliteSession? shared)
{
    public TenantId Tenant { get; } = tenant;

    public long T => Tenant.Value;

    public SqliteDatabase Database { get; } = database;

    /// <summary>True when operations run in a unit of work's transaction.</summary>
    public bool InUnitOfWork => shared is not null;

    public T1 Read<T1>(Func<SqliteSession, T1> body)
    {
        if (shared is not null)
            return body(shared);
        using var session = Database.OpenSession();
        return body(session);
    }

    public T1 Write<T1>(Func<SqliteSession, T1> body)
    {
        if (shared is not null)
            return shared.Atomically(() => body(shared));
        using var session = Database.OpenSession();
        return session.Atomically(() => body(session));
    }

    public void Write(Action<SqliteSession> body) => Write(s => { body(s); return 0; });

    /// <summary>Streams rows; a standalone stream holds its own connection until enumerated to the end or disposed.</summary>
    public async IAsyncEnumerable<T1> Stream<T1>(string sql, Func<SqliteDataReader, T1> map, (string Name, object? Value)[] parameters,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        var session = shared ?? Database.OpenSession();
        try
        {
            using var command = session.Command(sql, parameters);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return map(reader);
            }
        }
        finally
        {
            if (shared is null)
                session.Dispose();
        }
    }
}
