using Doppel.Storage.Contract;
using Doppel.Storage.Sqlite.Stores;

namespace Doppel.Storage.Tests;

/// <summary>The engine-agnostic store contract on SQLite: a fresh catalog file per database.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests, IDisposable
{
    private readonly List<TempCatalog> _files = [];

    protected override Task<IDoppelDatabase> CreateFreshDatabaseAsync()
    {
        var temp = new TempCatalog();
        _files.Add(temp);
        return Task.FromResult<IDoppelDatabase>(SqliteDatabase.Open(temp.Path));
    }

    public void Dispose()
    {
        foreach (var file in _files)
            file.Dispose();
    }
}
