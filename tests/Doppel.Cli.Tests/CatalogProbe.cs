using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;

namespace Doppel.Cli.Tests;

/// <summary>
/// Looks into a catalog file that a doppel process wrote (or is writing), through the stores of the default
/// tenant, as plain synchronous reads for assertions. The SQLite stores do their work before returning, so
/// waiting on them here blocks nothing.
/// </summary>
internal sealed class CatalogProbe : IDisposable
{
    private readonly SqliteDatabase _db;

    private CatalogProbe(SqliteDatabase db)
    {
        _db = db;
        Stores = db.For(TenantId.Default);
    }

    public ITenantStores Stores { get; }

    public static CatalogProbe Open(string path) => new(SqliteDatabase.Open(path));

    /// <summary>Media stored as done so far; 0 while the file does not exist or is still being created.</summary>
    public static long CountDone(string db)
    {
        if (!File.Exists(db))
            return 0;
        try
        {
            using var probe = Open(db);
            return probe.CountMedia(MediaState.Done);
        }
        catch (CatalogException)
        {
            return 0; // still being created
        }
    }

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static List<T> All<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        var e = source.GetAsyncEnumerator();
        try
        {
            while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                list.Add(e.Current);
        }
        finally
        {
            e.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return list;
    }

    public long CountMedia(MediaState? state = null) => Wait(Stores.Media.CountAsync(state));

    public IReadOnlyList<MediaFile> ListMedia() => Wait(Stores.Media.ListAsync(null, Page.All));

    public MediaFile? GetMedia(long id) => Wait(Stores.Media.GetAsync(id));

    public MediaFile? FindMediaByPath(string path) => Wait(Stores.Media.FindAsync(new MediaKey(MediaSources.File, path)));

    public IReadOnlyList<FaceRecord> ListFaces() => Wait(Stores.Faces.ListAsync(Page.All));

    public FaceRecord? GetFace(long id) => Wait(Stores.Faces.GetAsync(id));

    public IReadOnlyList<FaceRecord> GetFacesOfMedia(long mediaId) => Wait(Stores.Faces.ListOfMediaAsync([mediaId]));

    public IReadOnlyList<FaceEmbedding> GetEmbeddings(long faceId) => Wait(Stores.Faces.GetEmbeddingsAsync(faceId));

    public List<FaceEmbedding> ReadEmbeddings(string model) => All(Stores.Faces.ReadEmbeddingsAsync(model));

    public IReadOnlyList<Person> ListPersons() => Wait(Stores.Persons.ListAsync(Page.All));

    public Person? GetPerson(long id) => Wait(Stores.Persons.GetAsync(id));

    public IReadOnlyList<PersonDecision> ListPersonDecisions() => Wait(Stores.Persons.ListDecisionsAsync());

    public IReadOnlyList<RunRecord> ListRuns() => Wait(Stores.Runs.ListAsync(Page.All));

    public IReadOnlyList<DedupSet> ListDedupSets() => Wait(Stores.Dedup.ListSetsAsync(null, Page.All));

    public IReadOnlyList<Finding> GetFindings(long setId) => Wait(Stores.Dedup.GetFindingsAsync(setId));

    /// <summary>The current holder of a lease (a command's lock), or null when free.</summary>
    public Lease? GetLease(string name) => Wait(_db.Leases.GetAsync(name));

    /// <summary>Holds lease <paramref name="name"/> for this process (as another command would) until disposed.</summary>
    public IDisposable HoldLease(string name, string purpose)
    {
        var lease = Wait(_db.Leases.TryAcquireAsync(name, LeaseHolder.ThisProcess(purpose), TimeSpan.FromMinutes(10))).Granted
            ?? throw new InvalidOperationException($"Lease '{name}' is held by someone else.");
        return new Release(() => _db.Leases.ReleaseAsync(name, lease.Token).GetAwaiter().GetResult());
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }

    public void Dispose() => _db.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
