using Doppel.Models;
using Doppel.Testing;

namespace Doppel.Cli.Tests;

/// <summary>Copies of real LFW dev photos in a fresh temp folder (never the shared files themselves,
/// which tests must not modify), and a catalog reader that tolerates a file still being created.</summary>
internal static class LfwCorpus
{
    /// <summary><paramref name="perPerson"/> photos of each identity (name order) under DIR/photos/IDENTITY/; returns DIR.</summary>
    public static string Identities(string label, IReadOnlyList<string> identities, int perPerson)
    {
        var lfw = Require();
        var dir = RepoPaths.NewTempDir(label);
        foreach (var identity in identities)
        {
            var target = Path.Combine(dir, "photos", identity);
            Directory.CreateDirectory(target);
            foreach (var file in Directory.GetFiles(Path.Combine(lfw, identity)).Order(StringComparer.Ordinal).Take(perPerson))
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        return dir;
    }

    /// <summary>The first <paramref name="count"/> photos of LFW dev in path order under DIR/photos; returns DIR.</summary>
    public static string First(string label, int count)
    {
        var lfw = Require();
        var dir = RepoPaths.NewTempDir(label);
        foreach (var file in Directory.EnumerateFiles(lfw, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(count))
        {
            var target = Path.Combine(dir, "photos", Path.GetRelativePath(lfw, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return dir;
    }

    /// <summary>The LFW identity of a copied photo: its folder name.</summary>
    public static string IdentityOf(string path) => Path.GetFileName(Path.GetDirectoryName(path))!;

    private static string Require()
    {
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        return lfw;
    }
}
