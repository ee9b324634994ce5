using Doppel.Testing.Servers;

// One of each server for the assembly; every test takes its own container and database.
[assembly: AssemblyFixture(typeof(AzuriteServer))]
[assembly: AssemblyFixture(typeof(PostgresServer))]
