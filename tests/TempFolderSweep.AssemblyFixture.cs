// Compiled into every test project by Directory.Build.props: the temporary folders the tests made are deleted when
// the assembly's run ends, before the runner's exit check (see TempFolderSweep).
[assembly: AssemblyFixture(typeof(Doppel.Testing.TempFolderSweep))]
