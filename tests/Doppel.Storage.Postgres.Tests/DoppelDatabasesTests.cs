using Doppel.Testing;
using Doppel.Testing.Servers;

namespace Doppel.Storage.Postgres.Tests;

/// <summary>The one setting that picks the engine: a file is SQLite, a postgres:// URI is PostgreSQL, and a bad or
/// unreachable address is one clear message without the password.</summary>
public sealed class DoppelDatabasesTests(PostgresServer server)
{
    [Fact]
    public async Task A_file_opens_sqlite_and_a_postgres_uri_opens_postgresql_at_the_same_schema_version()
    {
        server.Require();
        var folder = RepoPaths.NewTempDir("doppel-engines");
        try
        {
            await using var sqlite = await DoppelDatabases.OpenAsync(Path.Combine(folder, "catalog.db"), TestContext.Current.CancellationToken);
            var database = await server.CreateDatabaseAsync("engines");
            await using var postgres = await DoppelDatabases.OpenAsync(database.Uri, TestContext.Current.CancellationToken);
            (sqlite.Engine, postgres.Engine).ShouldBe(("sqlite", "postgresql"));
            postgres.SchemaVersion.ShouldBe(sqlite.SchemaVersion);
            postgres.Location.ShouldBe(database.Uri);
            // Opening again (another process, a newer Doppel of the same schema) migrates nothing and keeps the rows.
            var acme = await postgres.Tenants.CreateAsync("acme", TestContext.Current.CancellationToken);
            await using var again = await DoppelDatabases.OpenAsync(database.Uri, TestContext.Current.CancellationToken);
            (await again.Tenants.FindAsync("acme", TestContext.Current.CancellationToken))!.Id.ShouldBe(acme.Id);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_option_wins_over_the_variable_which_wins_over_the_default()
    {
        var saved = Environment.GetEnvironmentVariable(DoppelDatabases.Variable);
        try
        {
            Environment.SetEnvironmentVariable(DoppelDatabases.Variable, null);
            DoppelDatabases.Resolve(null).ShouldBe("doppel.db");
            Environment.SetEnvironmentVariable(DoppelDatabases.Variable, "postgres://u@h/db");
            DoppelDatabases.Resolve(null).ShouldBe("postgres://u@h/db");
            DoppelDatabases.Resolve("other.db").ShouldBe("other.db");
        }
        finally
        {
            Environment.SetEnvironmentVariable(DoppelDatabases.Variable, saved);
        }
    }

    [Fact]
    public async Task A_bad_or_unreachable_address_is_one_message_without_the_password()
    {
        (await Should.ThrowAsync<ArgumentException>(() => DoppelDatabases.OpenAsync("postgres://user:secret@localhost", TestContext.Current.CancellationToken)))
            .Message.ShouldSatisfyAllConditions(m => m.ShouldContain("names no database"), m => m.ShouldNotContain("secret"));
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        var refused = await Should.ThrowAsync<CatalogException>(() => DoppelDatabases.OpenAsync("postgres://user:secret@127.0.0.1:1/doppel", TestContext.Current.CancellationToken));
        refused.Message.ShouldStartWith("Cannot open the catalog postgres://user@127.0.0.1:1/doppel:");
        refused.Message.ShouldNotContain("secret");
    }
}
