using Doppel.Testing.Servers;

namespace Doppel.Storage.Postgres.Tests;

/// <summary>Opening a catalog by its postgres:// address: the schema is created once and found again, and a bad or
/// unreachable address is one clear message without the password.</summary>
public sealed class PostgresAddressTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_database_gets_the_schema_once_and_a_second_opener_finds_the_rows()
    {
        server.Require();
        var database = await server.CreateDatabaseAsync("address");
        // Two processes opening a new database at once: the advisory lock makes one of them create the schema.
        var opened = await Task.WhenAll(PostgresDatabase.OpenAsync(database.Uri, Ct), PostgresDatabase.OpenAsync(database.ConnectionString, Ct));
        await using var first = opened[0];
        await using var second = opened[1];
        (first.Engine, first.SchemaVersion, second.SchemaVersion).ShouldBe(("postgresql", 9, 9));
        first.Location.ShouldBe(database.Uri);
        var acme = await first.Tenants.CreateAsync("acme", Ct);
        (await second.Tenants.FindAsync("acme", Ct))!.Id.ShouldBe(acme.Id);
    }

    [Fact]
    public async Task A_bad_or_unreachable_address_is_one_message_without_the_password()
    {
        (await Should.ThrowAsync<ArgumentException>(() => PostgresDatabase.OpenAsync("postgres://user:secret@localhost", Ct)))
            .Message.ShouldSatisfyAllConditions(m => m.ShouldContain("names no database"), m => m.ShouldNotContain("secret"));
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var refused = await Should.ThrowAsync<CatalogException>(() => PostgresDatabase.OpenAsync("postgres://user:secret@127.0.0.1:1/doppel", Ct));
        refused.Message.ShouldStartWith("Cannot open the catalog postgres://user@127.0.0.1:1/doppel:");
        refused.Message.ShouldNotContain("secret");
    }

    [Fact]
    public void The_pool_prepares_statements_and_skips_the_reset_unless_the_address_names_either()
    {
        var defaults = PostgresDatabase.ConnectionSettings(PostgresAddress.Parse("postgres://user:secret@db.example:5433/doppel?sslmode=require"));
        (defaults.MaxAutoPrepare, defaults.NoResetOnClose, defaults.Port, defaults.Password, defaults.SslMode)
            .ShouldBe((PostgresDatabase.AutoPrepared, true, 5433, "secret", Npgsql.SslMode.Require));
        var uri = PostgresDatabase.ConnectionSettings(PostgresAddress.Parse("postgres://user@db.example/doppel?Max%20Auto%20Prepare=0"));
        (uri.MaxAutoPrepare, uri.NoResetOnClose).ShouldBe((0, true));
        var named = PostgresDatabase.ConnectionSettings(PostgresAddress.Parse("Host=db.example;Database=doppel;No Reset On Close=false;Max Auto Prepare=8"));
        (named.MaxAutoPrepare, named.NoResetOnClose).ShouldBe((8, false));
    }
}
