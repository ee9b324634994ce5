namespace Doppel.Storage.Sqlite;

public sealed partial class SqliteCatalog
{
    /// <summary>Locks older than this without a heartbeat are taken over.</summary>
    public static readonly TimeSpan DefaultLockStaleAfter = TimeSpan.FromMinutes(2);

    public ICatalogLock AcquireLock(string name, string purpose, TimeSpan? staleAfter = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_transaction is not null)
            throw new InvalidOperationException("Take the lock before opening a transaction: the lock commits on its own connection.");
        return SqliteCatalogLock.Acquire(Location, name, purpose, staleAfter ?? DefaultLockStaleAfter);
    }

    public LockOwner? GetLockOwner(string name) => SqliteCatalogLock.Read(_connection, _transaction, name);
}
