using System.Reflection;
using Doppel.Testing;

namespace Doppel.Application.Tests;

/// <summary>The test harness's own cleanup: the temporary folders go before the runner's exit check, not at ProcessExit
/// (stop 16's CI went red with every test green when the exit-time delete outran the runner's 10 seconds).</summary>
public sealed class TempFolderSweepTests
{
    [Fact]
    public void EveryTestAssemblyRegistersTheSweepAsAnAssemblyFixture()
    {
        var fixtures = typeof(TempFolderSweepTests).Assembly.GetCustomAttributes<AssemblyFixtureAttribute>()
            .Select(a => a.AssemblyFixtureType);
        fixtures.ShouldContain(typeof(TempFolderSweep));
    }

    [Fact]
    public void TheSweepDeletesFoldersWithWhatTheyHoldAndLeavesOthers()
    {
        var full = RepoPaths.NewUnsweptTempDir("doppel-sweep-full");
        Directory.CreateDirectory(Path.Combine(full, "thumbnails", "a"));
        File.WriteAllBytes(Path.Combine(full, "thumbnails", "a", "1.jpg"), [1, 2, 3]);
        // A name that is not valid UTF-8 (the hostile-input tests plant one): .NET alone cannot delete it.
        var hostile = Directory.CreateDirectory(Path.Combine(full, "hostile")).FullName;
        var touch = new System.Diagnostics.ProcessStartInfo("sh") { WorkingDirectory = hostile, UseShellExecute = false };
        touch.ArgumentList.Add("-c");
        touch.ArgumentList.Add("touch \"$(printf 'bad\\377name.jpg')\"");
        using (var process = System.Diagnostics.Process.Start(touch)!)
            process.WaitForExit();
        Directory.EnumerateFileSystemEntries(hostile).ShouldHaveSingleItem();
        var empty = RepoPaths.NewUnsweptTempDir("doppel-sweep-empty");
        var kept = RepoPaths.NewUnsweptTempDir("doppel-sweep-kept");
        var gone = Path.Combine(Path.GetTempPath(), "doppel-sweep-never-made-" + Guid.NewGuid().ToString("N"));
        try
        {
            TempFolderSweep.Delete([full, empty, gone]).ShouldBe(2);
            Directory.Exists(full).ShouldBeFalse();
            Directory.Exists(empty).ShouldBeFalse();
            Directory.Exists(kept).ShouldBeTrue();
        }
        finally
        {
            Directory.Delete(kept, recursive: true);
        }
    }
}
