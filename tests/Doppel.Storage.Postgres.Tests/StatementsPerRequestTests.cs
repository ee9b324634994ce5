using Doppel.Storage.Contract;
using Doppel.Testing.Servers;
using Npgsql;

namespace Doppel.Storage.Postgres.Tests;

/// <summary>
/// What the service's two busiest requests cost PostgreSQL, counted on the wire (<see cref="WireCounter"/>): a HOPE
/// single registration (the set's lookup, then the registration) and a findings page of 100 (the set, the total and the
/// page). On a warm pool every statement is prepared and no reset rides on the next command; a registration is one
/// statement with no transaction around it, a page one batch of three. Before (main at
/// f37f80f, counted by this test) a registration was 8 statements executed (a DISCARD ALL per store call, BEGIN, the set,
/// the set's check, the upsert, the read back, COMMIT), 4 parsed, in 5 round trips, and a page 5 executed, 3 parsed, in 3
/// (docs/benchmarks.md, "Statements per request on PostgreSQL").
/// </summary>
public sealed class StatementsPerRequestTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly SetFindingQuery Page = new() { ExcludeNotDuplicate = true, Limit = 100 };

    [Fact]
    public async Task A_registration_is_two_round_trips_and_a_findings_page_one_of_prepared_statements_with_no_reset()
    {
        server.Require();
        var database = await server.CreateDatabaseAsync("wire");
        Guid setId;
        await using (var seed = await PostgresDatabase.OpenAsync(database.Uri, Ct))
            setId = await FindingPages.SeedAsync(seed, Ct);
        await using var wire = WireCounter.Start(server.Host, server.Port);
        var relayed = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = wire.Port, SslMode = SslMode.Disable, GssEncryptionMode = GssEncryptionMode.Disable };

        await using (var db = await PostgresDatabase.OpenAsync(relayed.ConnectionString, Ct))
        {
            var (registration, page) = await CountAsync(db, wire, setId, "new");
            registration.ToString().ShouldBe(new WireCount(Executed: 2, Parsed: 0, Syncs: 2, Queries: [], RoundTrips: 2).ToString());
            page.ToString().ShouldBe(new WireCount(Executed: 3, Parsed: 0, Syncs: 1, Queries: [], RoundTrips: 1).ToString());
        }

        // A setting the address names wins over the catalog's: Npgsql's defaults reset every pooled connection on its next
        // command (DISCARD ALL, a simple query riding with it) and parse every statement afresh.
        relayed.NoResetOnClose = false;
        relayed.MaxAutoPrepare = 0;
        await using (var db = await PostgresDatabase.OpenAsync(relayed.ConnectionString, Ct))
        {
            var (registration, page) = await CountAsync(db, wire, setId, "old");
            registration.ToString().ShouldBe(new WireCount(Executed: 4, Parsed: 2, Syncs: 2, Queries: ["DISCARD ALL", "DISCARD ALL"], RoundTrips: 2).ToString());
            page.ToString().ShouldBe(new WireCount(Executed: 4, Parsed: 3, Syncs: 1, Queries: ["DISCARD ALL"], RoundTrips: 1).ToString());
        }
    }

    /// <summary>One registration and one page as the service makes them (<c>SetHandlers</c> with a set's UUID: the set,
    /// then the registration; the set with its page), after six of each so that every statement has passed Npgsql's Auto Prepare Min Usages (5) on the
    /// pool's one connection.</summary>
    private static async Task<(WireCount Registration, WireCount Page)> CountAsync(PostgresDatabase db, WireCounter wire, Guid setId, string prefix)
    {
        var sets = db.SetsFor(TenantId.Default);
        int n = 0;
        async Task Register()
        {
            var set = await sets.GetSetAsync(setId, Ct) ?? throw new InvalidOperationException("no set");
            var added = await sets.AddImagesAsync(set.Id, [new NewSetImage($"{prefix}-{n}", $"w/{prefix}/{n}.jpg")], Ct);
            added.Single().ReferencePk.ShouldBe($"{prefix}-{n++}");
        }
        async Task ReadPage()
        {
            var (set, found) = await sets.GetSetWithFindingsAsync(setId, Page, Ct);
            set.ShouldNotBeNull();
            found.Count.ShouldBe(FindingPages.FindingsPerSet);
            found.Items.Count.ShouldBe(100);
        }
        for (int i = 0; i < 6; i++)
        {
            await Register();
            await ReadPage();
        }
        var registration = await wire.CountAsync(Register);
        var page = await wire.CountAsync(ReadPage);
        TestContext.Current.TestOutputHelper?.WriteLine($"{prefix}: registration {registration}; findings page {page}");
        return (registration, page);
    }
}
