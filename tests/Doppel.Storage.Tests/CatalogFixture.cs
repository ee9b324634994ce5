using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Tests;

/// <summary>A real catalog file in a fresh temp folder, plus helpers that build realistic rows.</summary>
internal sealed class TempCatalog : IDisposable
{
    public string Directory { get; } = RepoPaths.NewTempDir("doppel-catalog");

    public string Path => System.IO.Path.Combine(Directory, "catalog.db");

    /// <summary>Opens (migrating) the file; dispose it to let the file go.</summary>
    public SqliteDatabase Open() => SqliteDatabase.Open(Path);

    /// <summary>A raw connection for checks and faults the stores deliberately do not offer.</summary>
    public SqliteConnection Raw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public long RawScalar(string sql)
    {
        using var connection = Raw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The stores of the default tenant (the CLI's).</summary>
    public static ITenantStores Stores(IDoppelDatabase db) => db.For(TenantId.Default);

    public static string Hash(string content) => ContentHash.OfBytes(System.Text.Encoding.UTF8.GetBytes(content));

    /// <summary>A local file whose bytes are <paramref name="content"/>, as a scan lists it.</summary>
    public static MediaEntry Entry(string path, string content, long size = 1, string? movedFrom = null) =>
        new(new MediaKey(MediaSources.File, path), Hash(content), size, movedFrom is null ? null : new MediaKey(MediaSources.File, movedFrom));

    /// <summary>Registers one entry and returns what registration found.</summary>
    public static async Task<MediaRegistration> Register(IStoreSet stores, MediaEntry entry) => (await stores.Media.RegisterAsync([entry], Ct)).Single();

    public static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
            list.Add(item);
        return list;
    }

    public static float[] UnitVector(int dimension, int seed)
    {
        var random = new Random(seed);
        var v = new float[dimension];
        double norm = 0;
        for (int i = 0; i < dimension; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
            norm += v[i] * v[i];
        }
        for (int i = 0; i < dimension; i++)
            v[i] = (float)(v[i] / Math.Sqrt(norm));
        return v;
    }

    public static NewFace Face(int seed, params string[] models) => new(
        new FaceBox(10 + seed, 20 + seed, 64.5f, 80.25f),
        [30f, 40f, 70f, 41f, 50f, 60f, 50f, 80f],
        "blazeface-back",
        0.875f + seed * 0.001f,
        0.5f,
        models.Select(m => new NewEmbedding(m, "1", UnitVector(m == "dlib-resnet29" ? 128 : 192, seed))).ToList(),
        $"thumbs/{seed}.jpg");

    public static MediaResult Ok(long mediaId, params NewFace[] faces) => new(mediaId, "ok", null, "jpeg", 250, 250, faces);

    public static MediaResult NoFace(long mediaId) => new(mediaId, "no_face", "no face above 0.75", "png", 100, 120, []);
}
