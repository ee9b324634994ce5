using Doppel.Testing.Servers;

// One server for the whole assembly (initdb and start cost seconds); every test class takes its own database.
[assembly: AssemblyFixture(typeof(PostgresServer))]
