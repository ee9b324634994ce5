using Doppel.Workers;

namespace Doppel.Workers.Tests;

// One PostgreSQL serves the assembly and WorkerFaultTests restarts it on purpose; a class running beside the
// restart lost its connection (merged suite of 2026-12-07), so every class here shares one sequential collection.
[Collection("shared-postgres")]
public sealed class JobQueuesTests
{
    [Fact]
    public void ConcurrencyPerQueueIsParsed() =>
        JobQueues.ParseConcurrency("analyse=2, match=1,report=0").ShouldBe(new Dictionary<string, int> { ["analyse"] = 2, ["match"] = 1, ["report"] = 0 });

    [Theory]
    [InlineData("analyze=2", "unknown queue 'analyze'")]
    [InlineData("analyse=two", "QUEUE=N")]
    [InlineData("analyse=-1", "QUEUE=N")]
    [InlineData("analyse=1,analyse=2", "named twice")]
    [InlineData("analyse=0", "at least one queue")]
    public void BadConcurrencyIsOneClearError(string text, string message) =>
        Should.Throw<ArgumentException>(() => JobQueues.ParseConcurrency(text)).Message.ShouldContain(message);

    [Theory]
    [InlineData("postgres://doppel@127.0.0.1:5433/jobs", "Host=127.0.0.1;Port=5433;Database=jobs;Username=doppel")]
    [InlineData("postgresql://u:p%40ss@db/x?sslmode=require", "Host=db;Port=5432;Database=x;Username=u;Password=p@ss;SSL Mode=Require")]
    public void PostgresAddressesBecomeConnectionStrings(string address, string expected) =>
        JobsStorage.ConnectionString(address).ShouldBe(expected);

    [Theory]
    [InlineData("jobs.db")]
    [InlineData("postgres://host")]
    public void OtherAddressesAreRefused(string address) =>
        Should.Throw<ArgumentException>(() => JobsStorage.ConnectionString(address)).Message.ShouldContain("needs PostgreSQL");
}
