using Xunit;

namespace Doppel.Testing;

/// <summary>
/// Tests that run real models call <see cref="Require"/>: the model must be installed in the model
/// cache (<c>scripts/test.sh</c> runs <c>doppel models install --for-tests</c> first). Missing on a
/// developer machine: skip with the command to run; missing under CI: fail.
/// </summary>
public static class InstalledModels
{
    /// <summary>The default pipeline's models: BlazeFace front-128 and back-256, YuNet, face-api's 68 landmarks, dlib ResNet-29.</summary>
    public static void RequireDefaults() => Require("blazeface-front", "blazeface-back", "yunet", "faceapi-landmark68", "dlib-resnet29");

    public static void Require(params string[] names)
    {
        var root = Environment.GetEnvironmentVariable("DOPPEL_MODELS") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "doppel", "models");
        var missing = names.Where(n => !Directory.Exists(Path.Combine(root, n)) || !Directory.EnumerateFiles(Path.Combine(root, n)).Any()).ToList();
        if (missing.Count == 0)
            return;
        var message = $"Models not installed in {root}: {string.Join(", ", missing)}. Run: doppel models install --for-tests";
        if (SharedData.InCi)
            Assert.Fail(message);
        Assert.Skip(message);
    }
}
