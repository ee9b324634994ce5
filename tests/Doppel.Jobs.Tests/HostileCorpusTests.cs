using Doppel.Application.Dedup;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Doppel.Vision.Pipeline;

namespace Doppel.Jobs.Tests;

/// <summary>
/// Issue 12's hostile corpus (over 60 kinds, over 1,000 files at a fixed seed) mixed with real LFW
/// photos through the handler <c>doppel dedup</c> calls (<see cref="DedupSetHandler"/>) and the real models: the run completes, every file gets a status its kind
/// allows (or the scan's reason), and the real photos' findings are exactly those of a run without
/// the hostile files. The memory bound is proven by HostileMemoryTests in Doppel.Cli.Tests (a child
/// process is needed to measure peak RSS). DOPPEL_HOSTILE_FUZZ=N makes the fuzzed part N files.
/// </summary>
public class HostileCorpusTests
{
    private static int FuzzedFiles => int.TryParse(Environment.GetEnvironmentVariable("DOPPEL_HOSTILE_FUZZ"), out var n) ? n : 1000;

    private static async Task<DedupOutcome> Run(string root, string db)
    {
        await using var database = SqliteDatabase.Open(db);
        using var analyzer = new FacePipelineAnalyzer(FacePipeline.CreateDlib(new FacePipelineOptions { Workers = 2 }));
        return await new DedupSetHandler(database, TenantId.Default, LocalFolderMediaStore.Instance, analyzer)
            .HandleAsync(new DedupSetCommand { Roots = [root] }, TestContext.Current.CancellationToken);
    }

    private static HashSet<(string, string)> PairPaths(DedupOutcome outcome, Func<string, bool> keep)
    {
        var path = outcome.Images.GroupBy(i => i.Media.Id).ToDictionary(g => g.Key, g => g.First().File.FullPath);
        return outcome.Pairs.Select(p => (path[p.MediaA], path[p.MediaB]))
            .Where(p => keep(p.Item1) && keep(p.Item2))
            .Select(p => string.CompareOrdinal(p.Item1, p.Item2) < 0 ? p : (p.Item2, p.Item1))
            .ToHashSet();
    }

    [Fact]
    public async Task TheRunCompletesEveryFileHasItsStatusAndTheRealPhotosFindingsAreUnchanged()
    {
        InstalledModels.RequireDefaults();
        var dir = RepoPaths.NewTempDir("doppel-hostile-corpus");
        var photos = HostileCorpusFiles.CopyLfw(dir, people: 8, perPerson: 4);
        var corpus = HostileCorpusFiles.Write(dir, FuzzedFiles, memoryStress: 2);
        corpus.Kinds.Count.ShouldBeGreaterThanOrEqualTo(60);
        corpus.Entries.Count.ShouldBeGreaterThanOrEqualTo(Math.Min(1000, FuzzedFiles + 60));

        var clean = await Run(Path.Combine(dir, "photos"), Path.Combine(dir, "..", Path.GetFileName(dir) + "-clean.db"));
        var hostile = await Run(dir, Path.Combine(dir, "..", Path.GetFileName(dir) + "-hostile.db"));

        // Every real photo once, each with its status from the clean run.
        var photoPaths = photos.Select(p => Path.Combine(dir, p)).ToHashSet();
        var cleanStatus = clean.Images.ToDictionary(i => i.File.FullPath, i => i.Media.ReasonCode);
        var status = hostile.Images.ToDictionary(i => i.File.FullPath, i => i.Media.ReasonCode);
        foreach (var photo in photoPaths)
            status[photo].ShouldBe(cleanStatus[photo], photo);

        // Every hostile entry: read with an allowed image status, or passed over for its reason.
        var skipped = hostile.Skipped.ToDictionary(e => e.FullPath, e => e.Status.ToCode());
        var wrong = new List<string>();
        foreach (var entry in corpus.Entries)
        {
            var path = Path.Combine(dir, "hostile", entry.RelativePath);
            if (entry.ScanStatus == "ok")
            {
                if (!status.TryGetValue(path, out var code) || code is null || !entry.ImageStatuses.Contains(code))
                    wrong.Add($"{entry.Kind} {entry.RelativePath}: {code ?? "no status"} (allowed {string.Join('|', entry.ImageStatuses)}; {hostile.Images.FirstOrDefault(i => i.File.FullPath == path)?.Media.ReasonDetail})");
            }
            else if (!skipped.TryGetValue(path, out var reason) || reason != entry.ScanStatus)
                wrong.Add($"{entry.Kind} {entry.RelativePath}: skipped as {reason ?? "nothing"}, expected {entry.ScanStatus}");
        }
        wrong.ShouldBeEmpty(string.Join('\n', wrong));
        // Nothing unplanned was read: every image is a photo or a corpus file.
        hostile.Images.Count.ShouldBe(photos.Count + corpus.Entries.Count(e => e.ScanStatus == "ok"));

        // The real photos' findings are exactly those without the hostile files.
        var photoPairs = PairPaths(hostile, photoPaths.Contains);
        var cleanPairs = PairPaths(clean, _ => true);
        cleanPairs.ShouldNotBeEmpty();
        photoPairs.ShouldBe(cleanPairs, ignoreOrder: true);
        var summary = $"{corpus.Kinds.Count} kinds, {corpus.Entries.Count} entries; statuses: " +
            string.Join(", ", hostile.Images.GroupBy(i => i.Media.ReasonCode).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")) +
            "; not read: " + Skipped.Describe(hostile.Skipped);
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "doppel-hostile-corpus.log"), summary + "\n");
    }
}
