using Doppel.Storage;

namespace Doppel.Workers.Tests;

/// <summary>A tenant's stores that count the vectors read through them (every face store call that returns vectors), and
/// otherwise pass every call to the real stores.</summary>
internal class CountingStores(IStoreSet inner, CountingStores.Counter? counter = null) : IStoreSet
{
    /// <summary>Vectors read, shared by every store counting into it.</summary>
    public sealed class Counter
    {
        private long _read, _listed;
        public long Read => Interlocked.Read(ref _read);
        public void Add(long count) => Interlocked.Add(ref _read, count);

        /// <summary>Face ids listed model-wide (<see cref="IFaceStore.FacesWithEmbeddingAsync"/>: every face of a model version in the catalog).</summary>
        public long Listed => Interlocked.Read(ref _listed);
        public void AddListed(long count) => Interlocked.Add(ref _listed, count);
    }

    private readonly CountingFaces _faces = new(inner.Faces, counter ?? new Counter());

    /// <summary>Vectors read so far.</summary>
    public long VectorsRead => _faces.Counter.Read;

    public TenantId Tenant => inner.Tenant;
    public IMediaRecordStore Media => inner.Media;
    public IFaceStore Faces => _faces;
    public IPersonStore Persons => inner.Persons;
    public IRunStore Runs => inner.Runs;
    public IDedupStore Dedup => inner.Dedup;
    public IIgnoredPairStore IgnoredPairs => inner.IgnoredPairs;

    private sealed class CountingFaces(IFaceStore inner, Counter counter) : IFaceStore
    {
        public Counter Counter => counter;

        private async IAsyncEnumerable<T> Counted<T>(IAsyncEnumerable<T> source)
        {
            await foreach (var item in source)
            {
                counter.Add(1);
                yield return item;
            }
        }

        public Task<FaceRecord?> GetAsync(long faceId, CancellationToken cancellationToken = default) => inner.GetAsync(faceId, cancellationToken);
        public Task<IReadOnlyList<FaceRecord>> ListOfMediaAsync(IReadOnlyCollection<long> mediaIds, CancellationToken cancellationToken = default) =>
            inner.ListOfMediaAsync(mediaIds, cancellationToken);
        public Task<IReadOnlyList<FaceRecord>> ListAsync(Page page = default, CancellationToken cancellationToken = default) => inner.ListAsync(page, cancellationToken);
        public Task<long> CountAsync(CancellationToken cancellationToken = default) => inner.CountAsync(cancellationToken);

        public async Task<IReadOnlyList<FaceEmbedding>> GetEmbeddingsAsync(long faceId, CancellationToken cancellationToken = default)
        {
            var vectors = await inner.GetEmbeddingsAsync(faceId, cancellationToken);
            counter.Add(vectors.Count);
            return vectors;
        }

        public IAsyncEnumerable<FaceEmbedding> ReadEmbeddingsAsync(string model, CancellationToken cancellationToken = default) =>
            Counted(inner.ReadEmbeddingsAsync(model, cancellationToken));
        public IAsyncEnumerable<FaceEmbedding> ReadEmbeddingsOfFacesAsync(string model, string modelVersion, IReadOnlyCollection<long> faceIds, CancellationToken cancellationToken = default) =>
            Counted(inner.ReadEmbeddingsOfFacesAsync(model, modelVersion, faceIds, cancellationToken));
        public async Task<IReadOnlySet<long>> FacesWithEmbeddingAsync(string model, string modelVersion, CancellationToken cancellationToken = default)
        {
            var ids = await inner.FacesWithEmbeddingAsync(model, modelVersion, cancellationToken);
            counter.AddListed(ids.Count);
            return ids;
        }
        public Task<IReadOnlySet<long>> FacesWithEmbeddingAsync(string model, string modelVersion, IReadOnlyCollection<long> faceIds, CancellationToken cancellationToken = default) =>
            inner.FacesWithEmbeddingAsync(model, modelVersion, faceIds, cancellationToken);
        public IAsyncEnumerable<FaceVector> ReadFaceVectorsAsync(string model, bool okMediaOnly = true, CancellationToken cancellationToken = default) =>
            Counted(inner.ReadFaceVectorsAsync(model, okMediaOnly, cancellationToken));
        public Task PutEmbeddingsAsync(IReadOnlyList<FaceEmbedding> embeddings, CancellationToken cancellationToken = default) => inner.PutEmbeddingsAsync(embeddings, cancellationToken);
        public Task AssignPersonsAsync(IReadOnlyList<(long FaceId, long? PersonId)> assignments, CancellationToken cancellationToken = default) =>
            inner.AssignPersonsAsync(assignments, cancellationToken);
        public Task PinAsync(long faceId, long? personId, CancellationToken cancellationToken = default) => inner.PinAsync(faceId, personId, cancellationToken);
        public Task ExcludeAsync(long faceId, long personId, CancellationToken cancellationToken = default) => inner.ExcludeAsync(faceId, personId, cancellationToken);
        public Task SetThumbnailAsync(long faceId, string? thumbnailPath, CancellationToken cancellationToken = default) => inner.SetThumbnailAsync(faceId, thumbnailPath, cancellationToken);
    }
}

/// <summary>A catalog whose tenants' stores count the vectors read through them into one <see cref="CountingStores.Counter"/>
/// (units of work pass through uncounted: the jobs write through them, and read outside).</summary>
internal sealed class CountingDatabase(IDoppelDatabase inner) : IDoppelDatabase
{
    public CountingStores.Counter Reads { get; } = new();

    public string Engine => inner.Engine;
    public string Location => inner.Location;
    public int SchemaVersion => inner.SchemaVersion;
    public ITenantStore Tenants => inner.Tenants;
    public ILeaseStore Leases => inner.Leases;
    public ITenantStores For(TenantId tenant) => new Stores(inner.For(tenant), Reads);
    public IApiTokenStore Tokens => inner.Tokens;
    public IWebhookStore Webhooks => inner.Webhooks;
    public IAdminUserStore AdminUsers => inner.AdminUsers;
    public ISetStore SetsFor(TenantId tenant) => inner.SetsFor(tenant);
    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private sealed class Stores(ITenantStores inner, CountingStores.Counter reads) : CountingStores(inner, reads), ITenantStores
    {
        public Task<IUnitOfWork> BeginAsync(LeaseFence? fence = null, CancellationToken cancellationToken = default) => inner.BeginAsync(fence, cancellationToken);
    }
}
