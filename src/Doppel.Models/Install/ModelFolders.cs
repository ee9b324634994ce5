namespace Doppel.Models.Install;

/// <summary>How a finished model folder replaces the installed one, for the installer and the models-container sync.</summary>
internal static class ModelFolders
{
    /// <summary>
    /// Replaces <paramref name="target"/> with the finished folder <paramref name="output"/> (both in
    /// the model cache; the old one is moved into <paramref name="staging"/>, which the caller deletes).
    /// Renames within one file system are atomic, so readers see the old complete model or the new
    /// complete one.
    /// </summary>
    public static void Replace(string output, string target, string staging, Action<string> log)
    {
        if (Directory.Exists(target))
            Directory.Move(target, Path.Combine(staging, "previous"));
        try
        {
            Directory.Move(output, target);
        }
        catch (IOException) when (Directory.Exists(target))
        {
            // Another process finished the same model first; its folder was verified like ours.
            log("  another install of this model finished first; keeping it");
        }
    }
}
