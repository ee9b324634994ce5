using Doppel.Storage.Contract;
using Doppel.Testing.Servers;

namespace Doppel.Storage.Postgres.Tests;

/// <summary>The engine-agnostic store contract on PostgreSQL: a fresh database on the assembly's server per database.</summary>
public sealed class PostgresStoreContractTests(PostgresServer server) : StoreContractTests
{
    protected override async Task<IDoppelDatabase> CreateFreshDatabaseAsync()
    {
        server.Require();
        var database = await server.CreateDatabaseAsync("contract");
        return await PostgresDatabase.OpenAsync(database.Uri, Ct);
    }
}
