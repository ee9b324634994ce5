using Doppel.Testing.Servers;

[assembly: AssemblyFixture(typeof(PostgresServer))]

// One PostgreSQL serves the assembly and WorkerFaultTests restarts it on purpose: a test class running beside
// that restart lost its connection ("terminating connection due to administrator command", seen in the merged
// suite of 2026-12-07), so the classes here run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
