using Doppel.Testing.Servers;

// One Azurite for the whole assembly; every test takes its own container.
[assembly: AssemblyFixture(typeof(AzuriteServer))]
