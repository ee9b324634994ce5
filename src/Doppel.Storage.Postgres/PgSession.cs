using System.Globalization;
using System.Runtime.CompilerServices;
using Npgsql;

namespace Doppel.Storage.Postgres;

/// <summary>One connection, and the transaction open on it if any: what a store operation or a unit of work runs on.</summary>
internal sealed class PgSession(NpgsqlConnection connection) : IAsyncDisposable
{
    private int _savepoints;

    public NpgsqlConnection Connection { get; } = connection;

    public NpgsqlTransaction? Transaction { get; set; }

    public NpgsqlCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, Connection, Transaction);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    /// <summary>Statements sent together and answered in one round trip (their results in order on one reader).</summary>
    public NpgsqlBatch Batch(params (string Sql, (string Name, object? Value)[] Parameters)[] statements)
    {
        var batch = new NpgsqlBatch(Connection, Transaction);
        foreach (var (sql, parameters) in statements)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var (name, value) in parameters)
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            batch.BatchCommands.Add(command);
        }
        return batch;
    }

    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> LongAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? 0L : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(map(reader));
        return rows;
    }

    /// <summary>Runs <paramref name="body"/> atomically: in a new transaction, or in a savepoint of the open one
    /// (a unit of work), so a failure undoes exactly this operation's writes and leaves the unit usable.</summary>
    public async Task<T> AtomicallyAsync<T>(Func<Task<T>> body, CancellationToken cancellationToken)
    {
        if (Transaction is { } outer)
        {
            var name = "sp" + (++_savepoints).ToString(CultureInfo.InvariantCulture);
            await outer.SaveAsync(name, cancellationToken);
            try
            {
                var result = await body();
                await outer.ReleaseAsync(name, cancellationToken);
                return result;
            }
            catch
            {
                await outer.RollbackAsync(name, CancellationToken.None);
                throw;
            }
        }
        await using var tx = await Connection.BeginTransactionAsync(cancellationToken);
        Transaction = tx;
        try
        {
            var result = await body();
            await tx.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            Transaction = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Transaction is not null)
            await Transaction.DisposeAsync();
        Transaction = null;
        await Connection.DisposeAsync();
    }
}

/// <summary>The catalog's rows as PostgreSQL stores them: timestamps are <c>timestamptz</c>.</summary>
internal sealed class PgRows : CatalogRows
{
    public static PgRows Instance { get; } = new();

    public override DateTimeOffset Time(System.Data.Common.DbDataReader r, int i) => r.GetFieldValue<DateTimeOffset>(i);
}

/// <summary>Column readers shared by the stores.</summary>
internal static class PgCol
{
    public static string? Str(NpgsqlDataReader r, int i) => CatalogRows.Str(r, i);

    public static long? Long(NpgsqlDataReader r, int i) => CatalogRows.Long(r, i);

    public static int? Int(NpgsqlDataReader r, int i) => CatalogRows.Int(r, i);

    public static float? Float(NpgsqlDataReader r, int i) => CatalogRows.Float(r, i);

    public static DateTimeOffset Time(NpgsqlDataReader r, int i) => PgRows.Instance.Time(r, i);

    public static DateTimeOffset? TimeOrNull(NpgsqlDataReader r, int i) => PgRows.Instance.TimeOrNull(r, i);

    /// <summary>A limit from a <see cref="Page"/>: none (all rows) for a non-positive one.</summary>
    public static long Limit(Page page) => page.Limit <= 0 ? long.MaxValue : page.Limit;
}

/// <summary>
/// Where a store operation runs: a unit of work's session (shared, a savepoint per write), or a pooled
/// connection per operation (so one store instance is safe from many threads).
/// </summary>
internal sealed class PgScope(PostgresDatabase database, TenantId tenant, PgSession? shared)
{
    public TenantId Tenant { get; } = tenant;

    public long T => Tenant.Value;

    public PostgresDatabase Database { get; } = database;

    /// <summary>True when operations run in a unit of work's transaction.</summary>
    public bool InUnitOfWork => shared is not null;

    public async Task<T1> ReadAsync<T1>(Func<PgSession, Task<T1>> body, CancellationToken cancellationToken)
    {
        if (shared is not null)
            return await body(shared);
        await using var session = await Database.OpenSessionAsync(cancellationToken);
        return await body(session);
    }

    public async Task<T1> WriteAsync<T1>(Func<PgSession, Task<T1>> body, CancellationToken cancellationToken)
    {
        if (shared is not null)
            return await shared.AtomicallyAsync(() => body(shared), cancellationToken);
        await using var session = await Database.OpenSessionAsync(cancellationToken);
        return await Database.Retrying(() => session.AtomicallyAsync(() => body(session), cancellationToken), cancellationToken);
    }

    public Task WriteAsync(Func<PgSession, Task> body, CancellationToken cancellationToken) =>
        WriteAsync(async s => { await body(s); return 0; }, cancellationToken);

    /// <summary>Streams rows; a standalone stream holds its own connection until enumerated to the end or disposed.</summary>
    public async IAsyncEnumerable<T1> StreamAsync<T1>(string sql, Func<NpgsqlDataReader, T1> map, (string Name, object? Value)[] parameters,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var session = shared ?? await Database.OpenSessionAsync(cancellationToken);
        try
        {
            await using var command = session.Command(sql, parameters);
            await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                yield return map(reader);
        }
        finally
        {
            if (shared is null)
                await session.DisposeAsync();
        }
    }
}
