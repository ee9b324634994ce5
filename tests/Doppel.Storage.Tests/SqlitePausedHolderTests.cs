using Doppel.Storage.Contract;
using Doppel.Storage.Sqlite.Stores;

namespace Doppel.Storage.Tests;

/// <summary>The paused-holder contract on SQLite: a fresh catalog file.</summary>
public sealed class SqlitePausedHolderTests : PausedHolderContract, IDisposable
{
    private readonly TempCatalog _temp = new();

    protected override async Task<string> CreateCatalogAsync()
    {
        await using (SqliteDatabase.Open(_temp.Path)) { }
        return _temp.Path;
    }

    protected override Task<IDoppelDatabase> OpenAsync(string catalog) => Task.FromResult<IDoppelDatabase>(SqliteDatabase.Open(catalog));

    public void Dispose() => _temp.Dispose();
}
