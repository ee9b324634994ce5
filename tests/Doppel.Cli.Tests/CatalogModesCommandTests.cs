using Doppel.Models;
using Doppel.Storage;
using Doppel.Testing;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;

namespace Doppel.Cli.Tests;

/// <summary>The DeepFrame seed's catalog modes as a user runs them: <c>detect --db</c>, <c>recognize</c>
/// and <c>run --all</c>, as real processes on real photos and a real database.</summary>
public class CatalogModesCommandTests
{
    /// <summary>What the default profile's vectors are stored under (the licence-clean fusion's members).</summary>
    private static readonly string DefaultStoredName = Doppel.Vision.Embedding.EmbedderRegistry.StoredName(Doppel.Vision.Embedding.ModelProfiles.LicenceClean.Embedder);

    private static readonly string[] FivePeople = ["Jennifer_Lopez", "Paul_Wolfowitz", "Ricardo_Lagos", "Tang_Jiaxuan", "Zhu_Rongji"];

    [Fact]
    public void DetectStoresFacesRecognizeGroupsThemAndASecondDetectDoesNoInference()
    {
        var dir = LfwCorpus.Identities("doppel-detect-db", FivePeople, 6);
        var detect = DoppelProcess.Run(dir, "detect", "--db", "c.db", "photos");
        detect.ExitCode.ShouldBe(0, detect.Error);
        detect.Output.ShouldContain("Scanned 30 files: new 30.");
        detect.Output.ShouldContain("Images processed this run: 30 (ok 30)");
        using (var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db")))
        {
            catalog.CountMedia(MediaState.Done).ShouldBe(30);
            var faces = catalog.ListFaces();
            faces.Count.ShouldBe(30); // one face kept per LFW portrait
            faces.ShouldAllBe(f => f.Landmarks != null && f.Landmarks.Length >= 8 && f.Box.Width >= 24);
            catalog.ReadEmbeddings(DefaultStoredName).Count().ShouldBe(30);
            catalog.ListPersons().ShouldBeEmpty(); // grouping is recognize's job
        }

        // While another process holds the run lock (here: this test), detect and run refuse clearly.
        using (var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db")))
        using (catalog.HoldLease("ingest", "dedup by a colleague"))
            foreach (var args in new[] { new[] { "detect", "--db", "c.db", "photos" }, ["run", "--all", "--db", "c.db"] })
            {
                var refused = DoppelProcess.Run(dir, args);
                refused.ExitCode.ShouldBe(1);
                refused.Error.ShouldContain("is in use");
                refused.Error.ShouldContain($"pid {Environment.ProcessId}");
            }

        var recognize = DoppelProcess.Run(dir, "recognize", "--db", "c.db");
        recognize.ExitCode.ShouldBe(0, recognize.Error);
        using (var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db")))
            AssertPersonsArePure(catalog, minPersons: 4, minAssigned: 20);

        // Nothing new: no image is decoded or run through a model again, with or without the folder.
        foreach (var args in new[] { new[] { "detect", "--db", "c.db" }, ["detect", "--db", "c.db", "photos"] })
        {
            var again = DoppelProcess.Run(dir, args);
            again.ExitCode.ShouldBe(0, again.Error);
            again.Output.ShouldContain("Images processed this run: 0;");
        }
        using (var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db")))
            catalog.ListRuns().Where(r => r.Kind == "detect").Select(r => (r.Processed, r.State)).ShouldBe([(30L, RunState.Completed), (0L, RunState.Completed), (0L, RunState.Completed)]);
    }

    [Fact]
    public void RunAllDetectsAndRecognizesOnceAndPicksUpNewFilesLater()
    {
        var dir = LfwCorpus.Identities("doppel-run-all", FivePeople.Take(3).ToArray(), 6);
        var run = DoppelProcess.Run(dir, "run", "--all", "--db", "c.db", "photos");
        run.ExitCode.ShouldBe(0, run.Error);
        run.Output.ShouldContain("Images processed this run: 18 (ok 18)");
        run.Output.ShouldContain("Persons: ");
        int lopezBefore;
        long lopezPerson;
        using (var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db")))
        {
            AssertPersonsArePure(catalog, minPersons: 3, minAssigned: 14);
            (lopezPerson, lopezBefore) = LargestPersonOf(catalog, "Jennifer_Lopez");
        }

        // Two more photos of one of them: only those are processed, and they join her persons.
        var extra = LfwCorpus.Identities("doppel-run-all-extra", ["Jennifer_Lopez"], 8);
        var late = Directory.GetFiles(Path.Combine(extra, "photos", "Jennifer_Lopez")).Order(StringComparer.Ordinal).Skip(6).ToList();
        foreach (var file in late)
            File.Copy(file, Path.Combine(dir, "photos", "Jennifer_Lopez", Path.GetFileName(file)));
        var second = DoppelProcess.Run(dir, "run", "--all", "--db", "c.db", "photos");
        second.ExitCode.ShouldBe(0, second.Error);
        second.Output.ShouldContain("Images processed this run: 2 (ok 2)");
        using (var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db")))
        {
            AssertPersonsArePure(catalog, minPersons: 3, minAssigned: 16);
            // Jennifer_Lopez_0015 sits at cosine 0.977 to her main person's faces (threshold 0.95), so it
            // joins that person on any CPU; _0021's best match is 0.953, within the few thousandths by
            // which the int8 model's vectors differ between CPUs (VNNI or not), so it is only required
            // not to land in anyone else's person (checked by AssertPersonsArePure).
            var (person, after) = LargestPersonOf(catalog, "Jennifer_Lopez");
            person.ShouldBe(lopezPerson);
            after.ShouldBeGreaterThanOrEqualTo(lopezBefore + 1);
        }

        var missing = DoppelProcess.Run(dir, "run", "--db", "c.db");
        missing.ExitCode.ShouldBe(1);
        missing.Error.ShouldContain("--all");
    }

    /// <summary>Faces detected under one recogniser get vectors of another when recognize asks for it:
    /// re-aligned from the stored landmarks, they match what the full pipeline gives for the same photo.</summary>
    [Fact]
    public void RecognizeEmbedsFacesThatHaveNoVectorOfItsModel()
    {
        InstalledModels.Require(ModelNames.MobileFaceNet192);
        var dir = LfwCorpus.Identities("doppel-recognize-embed", FivePeople.Take(2).ToArray(), 5);
        Run(dir, "detect", "--db", "c.db", "photos");
        // One photo is replaced after detection: its stored landmarks no longer describe it.
        var photos = Directory.GetFiles(Path.Combine(dir, "photos"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        File.Copy(photos[1], photos[0], overwrite: true);

        var first = Run(dir, "recognize", "--db", "c.db", "--model", ModelNames.MobileFaceNet192, "--similarity", "0.5");
        first.Output.ShouldContain($"Embedded 9 faces with {ModelNames.MobileFaceNet192}; 1 skipped");
        first.Error.ShouldContain("changed since its faces were found");
        // Until detect re-processes the changed photo, its face stays without a vector; then it gets one.
        Run(dir, "recognize", "--db", "c.db", "--model", ModelNames.MobileFaceNet192, "--similarity", "0.5").Output.ShouldContain("Embedded 0 faces");
        Run(dir, "detect", "--db", "c.db", "photos").Output.ShouldContain("Scanned 10 files: unchanged 9, changed 1.");
        Run(dir, "recognize", "--db", "c.db", "--model", ModelNames.MobileFaceNet192, "--similarity", "0.5").Output.ShouldContain("Embedded 1 faces");
        Run(dir, "recognize", "--db", "c.db", "--model", ModelNames.MobileFaceNet192, "--similarity", "0.5").Output.ShouldNotContain("Embedded");

        using var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db"));
        var stored = catalog.ReadEmbeddings(ModelNames.MobileFaceNet192).ToList();
        stored.Count.ShouldBe(10);
        stored.ShouldAllBe(e => e.ModelVersion.StartsWith("sha256:"));
        using var pipeline = new FacePipeline(DetectorRegistry.Create(DetectorRegistry.Default), [EmbedderRegistry.Create(ModelNames.MobileFaceNet192)]);
        foreach (var embedding in stored)
        {
            var path = catalog.GetMedia(catalog.GetFace(embedding.FaceId)!.MediaId)!.Path;
            var direct = pipeline.Analyze(path).Faces.ShouldHaveSingleItem().Embeddings[ModelNames.MobileFaceNet192];
            float cosine = 0;
            for (int i = 0; i < direct.Length; i++)
                cosine += direct[i] * embedding.Vector[i];
            cosine.ShouldBeGreaterThan(0.999f, path);
        }
    }

    /// <summary>dedup after detect --db with another recogniser: the files are not processed again, but
    /// their faces get dedup's model's vectors (as the full pipeline would give them), so they match.</summary>
    [Fact]
    public void DedupEmbedsFacesThatDetectStoredUnderAnotherRecogniser()
    {
        InstalledModels.Require(ModelNames.MobileFaceNet192);
        var dir = LfwCorpus.Identities("doppel-dedup-after-detect", FivePeople.Take(2).ToArray(), 5);
        Run(dir, "detect", "--db", "c.db", "--model", ModelNames.MobileFaceNet192, "photos");
        var dedup = Run(dir, "dedup", "photos", "--db", "c.db");
        dedup.Output.ShouldContain("processed this run: 0");
        dedup.Error.ShouldContain($"10 faces have no current {DefaultStoredName} vector");
        Run(dir, "dedup", "photos", "--db", "clean.db");

        using var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db"));
        using var clean = CatalogProbe.Open(Path.Combine(dir, "clean.db"));
        float[] VectorOf(CatalogProbe c, string path) =>
            c.GetEmbeddings(c.GetFacesOfMedia(c.FindMediaByPath(path)!.Id).Single().Id).Single(e => e.Model == DefaultStoredName).Vector;
        foreach (var media in clean.ListMedia())
        {
            float[] a = VectorOf(catalog, media.Path), b = VectorOf(clean, media.Path);
            // Aligning on the whole image rather than the pipeline's crop around the face changes nothing that matters.
            a.Zip(b, (x, y) => x * y).Sum().ShouldBeGreaterThan(0.9999f, media.Path);
        }
        var pairs = catalog.GetFindings(catalog.ListDedupSets()[^1].Id);
        pairs.Count.ShouldBeGreaterThan(0);
        pairs.Count.ShouldBe(clean.GetFindings(clean.ListDedupSets()[^1].Id).Count);
    }

    private static DoppelProcess.Result Run(string dir, params string[] args)
    {
        var result = DoppelProcess.Run(dir, args);
        result.ExitCode.ShouldBe(0, $"doppel {string.Join(' ', args)}: {result.Error}");
        return result;
    }

    /// <summary>kill -9 in the middle of detect --db; a detect without folders finishes the job, and the
    /// catalog ends with exactly the faces of an uninterrupted run.</summary>
    [Fact]
    public void AKilledDetectResumesWithoutRedoingStoredImages()
    {
        const int Total = 300;
        var dir = LfwCorpus.First("doppel-detect-kill", Total);
        var clean = DoppelProcess.Run(dir, "detect", "--db", "clean.db", "photos");
        clean.ExitCode.ShouldBe(0, clean.Error);

        var db = Path.Combine(dir, "killed.db");
        using (var process = DoppelProcess.Start(dir, "detect", "--db", db, "photos"))
        {
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (!process.HasExited && DateTime.UtcNow < deadline && CatalogProbe.CountDone(db) < 64)
                Thread.Sleep(50);
            process.HasExited.ShouldBeFalse("the run ended before it could be killed; make the corpus larger");
            process.Kill(entireProcessTree: true); // SIGKILL: no cleanup code runs
            process.WaitForExit();
        }
        long stored = CatalogProbe.CountDone(db);
        stored.ShouldBeInRange(64, Total - 1);

        var resumed = DoppelProcess.Run(dir, "detect", "--db", db);
        resumed.ExitCode.ShouldBe(0, resumed.Error);
        resumed.Output.ShouldContain($"Images processed this run: {Total - stored} ");
        resumed.Output.ShouldContain("(resumed)");

        using var killed = CatalogProbe.Open(db);
        using var reference = CatalogProbe.Open(Path.Combine(dir, "clean.db"));
        killed.CountMedia(MediaState.Done).ShouldBe(Total);
        Summary(killed).ShouldBe(Summary(reference));
        var run = killed.ListRuns().ShouldHaveSingleItem();
        (run.State, run.Processed).ShouldBe((RunState.Completed, (long)Total));
    }

    /// <summary>Each image's reason code and face boxes (rounded), by path relative to the corpus.</summary>
    private static List<string> Summary(CatalogProbe catalog)
    {
        var pathOf = catalog.ListMedia().ToDictionary(m => m.Id, m => m.Path[(m.Path.IndexOf("/photos/", StringComparison.Ordinal) + 1)..]);
        var faces = catalog.ListFaces().ToLookup(f => f.MediaId);
        return catalog.ListMedia().Select(m => $"{pathOf[m.Id]} {m.ReasonCode} " +
                string.Join(";", faces[m.Id].Select(f => $"{f.Box.X:0},{f.Box.Y:0},{f.Box.Width:0}")))
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Enough persons, enough faces in them, and no person mixing two LFW identities.</summary>
    /// <summary>The person holding most faces of <paramref name="identity"/>, and how many it holds.</summary>
    private static (long Person, int Count) LargestPersonOf(CatalogProbe catalog, string identity)
    {
        var largest = catalog.ListFaces()
            .Where(f => f.PersonId != null && LfwCorpus.IdentityOf(catalog.GetMedia(f.MediaId)!.Path) == identity)
            .GroupBy(f => f.PersonId!.Value).MaxBy(g => g.Count());
        largest.ShouldNotBeNull($"no person holds {identity}");
        return (largest.Key, largest.Count());
    }

    private static void AssertPersonsArePure(CatalogProbe catalog, int minPersons, int minAssigned)
    {
        var assigned = catalog.ListFaces().Where(f => f.PersonId != null).ToList();
        assigned.Count.ShouldBeGreaterThanOrEqualTo(minAssigned);
        var persons = assigned.GroupBy(f => f.PersonId!.Value).ToList();
        persons.Count.ShouldBeGreaterThanOrEqualTo(minPersons);
        foreach (var person in persons)
            person.Select(f => LfwCorpus.IdentityOf(catalog.GetMedia(f.MediaId)!.Path)).Distinct().Count().ShouldBe(1, $"person {person.Key}");
    }
}
