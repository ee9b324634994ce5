using System.Diagnostics;
using Xunit;

namespace Doppel.Testing;

/// <summary>Renders pages in the real browser (Debian's chromium, headless): a screenshot and the DOM
/// after parsing. Skips when chromium is absent, fails under CI. Shared by the report tests and the CLI
/// tests that open a report a command wrote.</summary>
public static class HeadlessChromium
{
    private const string Executable = "/usr/bin/chromium";

    public static void Require()
    {
        if (File.Exists(Executable))
            return;
        var message = $"{Executable} not found; the HTML rendering tests need Debian's chromium package.";
        if (SharedData.InCi)
            Assert.Fail(message + " CI must run them.");
        Assert.Skip(message);
    }

    public static void Screenshot(string htmlPath, string pngPath, int width, int height) =>
        Run(htmlPath, $"--screenshot={pngPath}", $"--window-size={width},{height}", "--hide-scrollbars");

    public static string DumpDom(string htmlPath) => Run(htmlPath, "--dump-dom");

    /// <summary>The DOM of a page whose scripts drive other local pages (in an iframe) and write what they
    /// found into it. Local files may read each other's DOM for this; virtual time lets the scripts,
    /// navigations and image loads finish before the dump.</summary>
    public static string DumpDomAfterScripts(string htmlPath) =>
        Run(htmlPath, "--allow-file-access-from-files", "--virtual-time-budget=60000", "--dump-dom");

    private static string Run(string htmlPath, params string[] extra)
    {
        Require();
        var profile = RepoPaths.NewTempDir("doppel-chromium");
        try
        {
            var start = new ProcessStartInfo(Executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
                     {
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}",
                     }.Concat(extra).Append(new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri))
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("chromium did not finish within 3 minutes.");
            }
            if (process.ExitCode != 0)
                Assert.Fail($"chromium exited with {process.ExitCode}: {stderr.Result}");
            return stdout.Result;
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }
}
