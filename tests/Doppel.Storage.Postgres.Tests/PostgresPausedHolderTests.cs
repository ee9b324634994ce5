using Doppel.Storage.Contract;
using Doppel.Testing.Servers;

namespace Doppel.Storage.Postgres.Tests;

/// <summary>The paused-holder contract on PostgreSQL: the lease expires by the server's clock and the fence is
/// checked (and held with FOR SHARE) inside the woken holder's transaction.</summary>
public sealed class PostgresPausedHolderTests(PostgresServer server) : PausedHolderContract
{
    protected override async Task<string> CreateCatalogAsync()
    {
        server.Require();
        var database = await server.CreateDatabaseAsync("paused");
        await using (await PostgresDatabase.OpenAsync(database.Uri)) { }
        return database.Uri;
    }

    protected override async Task<IDoppelDatabase> OpenAsync(string catalog) => await PostgresDatabase.OpenAsync(catalog);
}
