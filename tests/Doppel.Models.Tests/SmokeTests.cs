namespace Doppel.Models.Tests;

public class SharedDataLocatorTests
{
    [Fact]
    public void RepoRootIsFound() => File.Exists(Path.Combine(Doppel.Testing.RepoPaths.Root, "Directory.Packages.props")).ShouldBeTrue();
}
