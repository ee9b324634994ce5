using Doppel.Cli.Tests;

namespace Doppel.Workers.Tests;

/// <summary>The prologue of the tests that hold a distributed run to a single process: the first photos of LFW dev copied
/// into a fresh folder (DIR/photos), and a single-process <c>doppel dedup photos --db single.db</c> of them there, which
/// must succeed (its stderr is the failure message).</summary>
internal static class SingleProcessBaseline
{
    /// <summary>The first <paramref name="photos"/> LFW dev photos in a fresh folder (<paramref name="label"/>), deduplicated
    /// there by one process with <paramref name="options"/>; returns the folder and the run.</summary>
    public static (string Dir, DoppelProcess.Result Single) Run(string label, int photos, params string[] options)
    {
        var dir = LfwCorpus.First(label, photos);
        return (dir, Dedup(dir, options));
    }

    /// <summary><c>doppel dedup photos --db single.db OPTIONS</c> in <paramref name="dir"/>, which must exit 0.</summary>
    public static DoppelProcess.Result Dedup(string dir, params string[] options)
    {
        var single = DoppelProcess.Run(dir, ["dedup", "photos", "--db", "single.db", .. options]);
        single.ExitCode.ShouldBe(0, single.Error);
        return single;
    }
}
