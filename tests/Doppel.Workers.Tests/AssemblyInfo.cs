using Doppel.Testing.Servers;

[assembly: AssemblyFixture(typeof(PostgresServer))]
