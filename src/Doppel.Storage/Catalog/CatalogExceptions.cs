namespace Doppel.Storage;

/// <summary>A catalog problem the user can act on; the message says what to do.</summary>
public class CatalogException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The database was written by a newer Doppel than this one.</summary>
public sealed class CatalogVersionException(string location, int databaseVersion, int codeVersion)
    : CatalogException(
        $"The catalog {location} has schema version {databaseVersion}, but this Doppel only knows versions up to {codeVersion}. " +
        "It was written by a newer Doppel: upgrade Doppel, or point --db at another file.")
{
    public int DatabaseVersion { get; } = databaseVersion;
    public int CodeVersion { get; } = codeVersion;
}

/// <summary>Another live process holds the lock this command needs.</summary>
public sealed class CatalogLockedException(string location, LockOwner owner)
    : CatalogException(
        $"The catalog {location} is in use: lock '{owner.Name}' is held by '{owner.Purpose}' (pid {owner.Pid} on {owner.Host}, " +
        $"since {owner.AcquiredAt:u}, last heartbeat {owner.HeartbeatAt:u}). Wait for it to finish; a lock whose process has died " +
        "is taken over automatically.")
{
    public LockOwner Owner { get; } = owner;
}
