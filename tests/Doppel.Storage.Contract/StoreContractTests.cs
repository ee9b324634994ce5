using System.Security.Cryptography;
using System.Text;

namespace Doppel.Storage.Contract;

/// <summary>
/// What every catalog engine must do, proven the same way on each: an engine's test project subclasses
/// this with <see cref="OpenFreshAsync"/> opening an empty, migrated database (SQLite: a temp file;
/// PostgreSQL: a fresh database on a server the tests started). Nothing here names an engine.
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    private readonly List<IDoppelDatabase> _opened = [];

    /// <summary>A new, empty database at the latest schema. Called once or more per test; each call is a different database.</summary>
    protected abstract Task<IDoppelDatabase> CreateFreshDatabaseAsync();

    protected CancellationToken Ct => TestContext.Current.CancellationToken;

    protected async Task<IDoppelDatabase> OpenFreshAsync()
    {
        var db = await CreateFreshDatabaseAsync();
        _opened.Add(db);
        return db;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var db in _opened)
            await db.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    public static string Hash(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    public static MediaEntry Entry(string key, string content, long size = 100, string source = MediaSources.File) =>
        new(new MediaKey(source, key), Hash(content), size);

    public static float[] UnitVector(int dimension, int seed)
    {
        var random = new Random(seed);
        var v = new float[dimension];
        double norm = 0;
        for (int i = 0; i < dimension; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
            norm += v[i] * v[i];
        }
        for (int i = 0; i < dimension; i++)
            v[i] = (float)(v[i] / Math.Sqrt(norm));
        return v;
    }

    public static NewFace Face(int seed, string model = "dlib-resnet29", int dimension = 128) => new(
        new FaceBox(10 + seed, 20 + seed, 64.5f, 80.25f),
        [30f, 40f, 70f, 41f, 50f, 60f, 50f, 80f],
        "blazeface-back",
        0.875f + seed * 0.001f,
        0.5f,
        [new NewEmbedding(model, "v1", UnitVector(dimension, seed))]);

    public static MediaResult Ok(long mediaId, params NewFace[] faces) => new(mediaId, "ok", null, "jpeg", 250, 250, faces);

    /// <summary>Registers and processes one-face images; returns media ids and face ids in order.</summary>
    protected async Task<(long[] Media, long[] Faces)> SeedAsync(ITenantStores stores, int count, string prefix = "/p/")
    {
        var media = await stores.Media.RegisterAsync(Enumerable.Range(0, count).Select(i => Entry($"{prefix}{i}.jpg", $"{prefix}{i}")).ToList(), Ct);
        await stores.Media.SaveResultsAsync(media.Select((m, i) => Ok(m.Media.Id, Face(i))).ToList(), null, Ct);
        var faces = await stores.Faces.ListOfMediaAsync(media.Select(m => m.Media.Id).ToList(), Ct);
        return (media.Select(m => m.Media.Id).ToArray(), faces.Select(f => f.Id).ToArray());
    }

    // ---- tenants ----

    [Fact]
    public async Task DefaultTenantExistsAndNewTenantsHaveUniqueNames()
    {
        var db = await OpenFreshAsync();
        (await db.Tenants.GetAsync(TenantId.Default, Ct)).ShouldNotBeNull();
        var acme = await db.Tenants.CreateAsync("acme", Ct);
        acme.Id.ShouldNotBe(TenantId.Default);
        (await db.Tenants.FindAsync("acme", Ct))!.Id.ShouldBe(acme.Id);
        await Should.ThrowAsync<CatalogException>(() => db.Tenants.CreateAsync("acme", Ct));
        (await db.Tenants.ListAsync(Ct)).Count.ShouldBe(2);
    }

    // ---- media ----

    [Fact]
    public async Task RegistrationTellsNewUnchangedChangedAndMoved()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        var first = await s.Media.RegisterAsync([Entry("/a.jpg", "a"), Entry("/b.jpg", "b")], Ct);
        first.Select(r => r.Change).ShouldBe([MediaChange.New, MediaChange.New]);
        first[0].Media.State.ShouldBe(MediaState.Pending);
        first[0].Media.Key.ShouldBe(new MediaKey(MediaSources.File, "/a.jpg"));
        first[0].Media.Tenant.ShouldBe(TenantId.Default);
        await s.Media.SaveResultsAsync([Ok(first[0].Media.Id, Face(1)), Ok(first[1].Media.Id, Face(2))], null, Ct);

        var again = await s.Media.RegisterAsync(
        [
            Entry("/a.jpg", "a"),                                                        // unchanged
            Entry("/b.jpg", "b2"),                                                       // changed
            Entry("/moved/a-copy.jpg", "a"),                                             // a copy: /a.jpg is still there
            Entry("/c.jpg", "b") with { MovedFrom = new MediaKey(MediaSources.File, "/nowhere.jpg") }, // no such record: new
        ], Ct);
        again.Select(r => r.Change).ShouldBe([MediaChange.Unchanged, MediaChange.Changed, MediaChange.New, MediaChange.New]);
        again[0].Media.Id.ShouldBe(first[0].Media.Id);
        again[0].Media.State.ShouldBe(MediaState.Done);
        again[1].Media.Id.ShouldBe(first[1].Media.Id);
        again[1].Media.State.ShouldBe(MediaState.Pending);
        (await s.Faces.ListOfMediaAsync([first[1].Media.Id], Ct)).ShouldBeEmpty(); // changed bytes: old faces gone
        (await s.Faces.ListOfMediaAsync([first[0].Media.Id], Ct)).Count.ShouldBe(1);

        var moved = await s.Media.RegisterAsync([Entry("/renamed.jpg", "a") with { MovedFrom = new MediaKey(MediaSources.File, "/a.jpg") }], Ct);
        moved[0].Change.ShouldBe(MediaChange.Moved);
        moved[0].PreviousPath.ShouldBe("/a.jpg");
        moved[0].Media.Id.ShouldBe(first[0].Media.Id);
        moved[0].Media.Path.ShouldBe("/renamed.jpg");
        (await s.Faces.ListOfMediaAsync([first[0].Media.Id], Ct)).Count.ShouldBe(1); // a move keeps the faces
        (await s.Media.FindAsync(new MediaKey(MediaSources.File, "/a.jpg"), Ct)).ShouldBeNull();
        (await s.Media.FindByHashesAsync([Hash("a")], Ct)).Select(m => m.Path).ShouldBe(["/renamed.jpg", "/moved/a-copy.jpg"]);
    }

    /// <summary>Read once per job (issue 9): a file registered unread gets the hash and size of the bytes its analysis
    /// read, and only then is it found by that hash; an unread entry leaves an unread record as it is and resets a read one.</summary>
    [Fact]
    public async Task AnUnreadFileTakesTheHashItsAnalysisRead()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        var first = await s.Media.RegisterAsync([Entry("/a.jpg", "a") with { ContentHash = null }, Entry("/b.jpg", "b") with { ContentHash = null }], Ct);
        first.Select(r => (r.Change, r.Media.ContentHash, r.Media.State)).ShouldBe(
            [(MediaChange.New, ContentHash.NotRead, MediaState.Pending), (MediaChange.New, ContentHash.NotRead, MediaState.Pending)]);
        (await s.Media.RegisterAsync([Entry("/a.jpg", "a") with { ContentHash = null }], Ct)).Single().Change.ShouldBe(MediaChange.Unchanged);

        await s.Media.SaveResultsAsync([Ok(first[0].Media.Id, Face(1)) with { ContentHash = Hash("a"), SizeBytes = 4321 },
            new MediaResult(first[1].Media.Id, "unreadable", "cannot read file", null, null, null, [])], null, Ct);
        var a = (await s.Media.GetAsync(first[0].Media.Id, Ct))!;
        (a.ContentHash, a.SizeBytes, a.State).ShouldBe((Hash("a"), 4321L, MediaState.Done));
        (await s.Media.GetAsync(first[1].Media.Id, Ct))!.ContentHash.ShouldBe(ContentHash.NotRead); // nothing read, nothing recorded
        (await s.Media.FindByHashesAsync([Hash("a")], Ct)).Single().Id.ShouldBe(a.Id);
        (await s.Media.RegisterAsync([Entry("/a.jpg", "a")], Ct)).Single().Change.ShouldBe(MediaChange.Unchanged);

        // An unread entry for a read record (registration sends one when the size changed): changed, faces gone, unread, pending.
        var changed = (await s.Media.RegisterAsync([Entry("/a.jpg", "a") with { ContentHash = null }], Ct)).Single();
        (changed.Change, changed.Media.ContentHash, changed.Media.State).ShouldBe((MediaChange.Changed, ContentHash.NotRead, MediaState.Pending));
        (await s.Faces.ListOfMediaAsync([a.Id], Ct)).ShouldBeEmpty();
        await Should.ThrowAsync<ArgumentException>(() => s.Media.SaveResultsAsync([Ok(a.Id) with { ContentHash = "not a hash" }], null, Ct));
    }

    [Fact]
    public async Task SameKeyInTwoSourcesOrTwoTenantsIsTwoRecordsAndTenantsSeeOnlyTheirOwn()
    {
        var db = await OpenFreshAsync();
        var other = (await db.Tenants.CreateAsync("other", Ct)).Id;
        var mine = db.For(TenantId.Default);
        var theirs = db.For(other);
        var a = (await mine.Media.RegisterAsync([Entry("x.jpg", "x"), Entry("x.jpg", "x", source: "azblob://acct/photos")], Ct));
        a[0].Media.Id.ShouldNotBe(a[1].Media.Id);
        var b = (await theirs.Media.RegisterAsync([Entry("x.jpg", "x")], Ct)).Single();
        b.Change.ShouldBe(MediaChange.New);
        b.Media.Tenant.ShouldBe(other);

        (await theirs.Media.GetAsync(a[0].Media.Id, Ct)).ShouldBeNull();
        (await theirs.Media.ListAsync(null, Page.All, Ct)).Select(m => m.Id).ShouldBe([b.Media.Id]);
        (await mine.Media.CountAsync(null, Ct)).ShouldBe(2);
        (await theirs.Media.FindByHashesAsync([Hash("x")], Ct)).Select(m => m.Id).ShouldBe([b.Media.Id]);
        await Should.ThrowAsync<CatalogException>(() => theirs.Media.SaveResultsAsync([Ok(a[0].Media.Id, Face(1))], null, Ct));
        (await mine.Faces.CountAsync(Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task ListingPagesById()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        var ids = (await s.Media.RegisterAsync(Enumerable.Range(0, 5).Select(i => Entry($"/{i}.jpg", $"{i}")).ToList(), Ct)).Select(r => r.Media.Id).ToList();
        var page1 = await s.Media.ListAsync(null, new Page(0, 2), Ct);
        var page2 = await s.Media.ListAsync(null, new Page(page1[^1].Id, 2), Ct);
        var page3 = await s.Media.ListAsync(null, new Page(page2[^1].Id, 2), Ct);
        page1.Concat(page2).Concat(page3).Select(m => m.Id).ShouldBe(ids);
        page3.Count.ShouldBe(1);
        (await s.Media.GetManyAsync([ids[3], ids[1], 999_999], Ct)).Select(m => m.Id).ShouldBe([ids[1], ids[3]]);
    }

    // ---- faces, vectors, runs ----

    [Fact]
    public async Task ResultsRoundTripWithVectorsCountersAndNeverReusedFaceIds()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        var media = await s.Media.RegisterAsync([Entry("/a.jpg", "a"), Entry("/b.jpg", "b")], Ct);
        long run = await s.Runs.StartAsync("dedup", "{}", 2, Ct);
        var face = Face(7);
        await s.Media.SaveResultsAsync([Ok(media[0].Media.Id, face, Face(8)), new MediaResult(media[1].Media.Id, "no_face", "none", "png", 10, 20, [])], run, Ct);

        var stored = await s.Faces.ListOfMediaAsync([media[0].Media.Id], Ct);
        stored.Select(f => f.FaceIndex).ShouldBe([0, 1]);
        stored[0].Box.ShouldBe(face.Box);
        stored[0].Landmarks.ShouldBe(face.Landmarks);
        stored[0].DetectorScore.ShouldBe(face.DetectorScore);
        var vector = (await s.Faces.GetEmbeddingsAsync(stored[0].Id, Ct)).Single();
        vector.Vector.ShouldBe(face.Embeddings[0].Vector); // bit-exact floats
        vector.ModelVersion.ShouldBe("v1");
        var runRecord = (await s.Runs.GetAsync(run, Ct))!;
        (runRecord.Processed, runRecord.Rejected, runRecord.State).ShouldBe((2L, 1L, RunState.Running));
        (await s.Media.GetAsync(media[1].Media.Id, Ct))!.ReasonCode.ShouldBe("no_face");

        var vectors = await ToListAsync(s.Faces.ReadFaceVectorsAsync("dlib-resnet29", true, Ct));
        vectors.Select(v => v.FaceId).ShouldBe(stored.Select(f => f.Id));
        (await ToListAsync(s.Faces.ReadEmbeddingsAsync("dlib-resnet29", Ct))).Count.ShouldBe(2);
        (await s.Faces.FacesWithEmbeddingAsync("dlib-resnet29", "v1", Ct)).Count.ShouldBe(2);
        (await s.Faces.FacesWithEmbeddingAsync("dlib-resnet29", "v2", Ct)).ShouldBeEmpty();
        // Among named faces only: an unknown id and the other version are left out, an empty list asks nothing.
        (await s.Faces.FacesWithEmbeddingAsync("dlib-resnet29", "v1", [stored[1].Id, 999_999], Ct)).ShouldBe([stored[1].Id]);
        (await s.Faces.FacesWithEmbeddingAsync("dlib-resnet29", "v2", [stored[0].Id, stored[1].Id], Ct)).ShouldBeEmpty();
        (await s.Faces.FacesWithEmbeddingAsync("dlib-resnet29", "v1", [], Ct)).ShouldBeEmpty();
        // One partition's read: only the faces named, of that version, in face id order; another tenant sees none.
        var named = await ToListAsync(s.Faces.ReadEmbeddingsOfFacesAsync("dlib-resnet29", "v1", [stored[1].Id, 999_999, stored[0].Id], Ct));
        named.Select(e => e.FaceId).ShouldBe([stored[0].Id, stored[1].Id]);
        named[1].Vector.ShouldBe((await s.Faces.GetEmbeddingsAsync(stored[1].Id, Ct)).Single().Vector);
        (await ToListAsync(s.Faces.ReadEmbeddingsOfFacesAsync("dlib-resnet29", "v2", [stored[0].Id], Ct))).ShouldBeEmpty();
        (await ToListAsync(s.Faces.ReadEmbeddingsOfFacesAsync("dlib-resnet29", "v1", [], Ct))).ShouldBeEmpty();
        var stranger = db.For((await db.Tenants.CreateAsync("stranger", Ct)).Id);
        (await ToListAsync(stranger.Faces.ReadEmbeddingsOfFacesAsync("dlib-resnet29", "v1", [stored[0].Id], Ct))).ShouldBeEmpty();

        // Re-processing replaces the faces with new ids, above every id given before.
        await s.Media.SaveResultsAsync([Ok(media[0].Media.Id, Face(9))], run, Ct);
        var replaced = (await s.Faces.ListOfMediaAsync([media[0].Media.Id], Ct)).Single();
        replaced.Id.ShouldBeGreaterThan(stored.Max(f => f.Id));
        (await s.Faces.GetAsync(stored[0].Id, Ct)).ShouldBeNull();

        await s.Faces.PutEmbeddingsAsync([new FaceEmbedding(replaced.Id, "dlib-resnet29", "v2", UnitVector(128, 3)), new FaceEmbedding(replaced.Id, "other", "1", UnitVector(16, 4))], Ct);
        (await s.Faces.GetEmbeddingsAsync(replaced.Id, Ct)).Select(e => (e.Model, e.ModelVersion)).OrderBy(x => x.Model)
            .ShouldBe([("dlib-resnet29", "v2"), ("other", "1")]);

        await s.Runs.FinishAsync(run, RunState.Completed, null, Ct);
        (await s.Runs.FindUnfinishedAsync("dedup", Ct)).ShouldBeNull();
        (await s.Runs.GetAsync(run, Ct))!.FinishedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task AnUnfinishedRunIsFoundForResumingAndOtherTenantsDoNotSeeIt()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        long first = await s.Runs.StartAsync("dedup", "{}", 0, Ct);
        await s.Runs.FinishAsync(first, RunState.Failed, "boom", Ct);
        long second = await s.Runs.StartAsync("dedup", "{\"a\":1}", 5, Ct);
        (await s.Runs.FindUnfinishedAsync("dedup", Ct))!.Id.ShouldBe(second);
        (await s.Runs.FindUnfinishedAsync("detect", Ct)).ShouldBeNull();
        await s.Runs.UpdateAsync(second, 9, Ct);
        (await s.Runs.GetAsync(second, Ct))!.Total.ShouldBe(9);
        (await s.Runs.GetAsync(first, Ct))!.Error.ShouldBe("boom");
        var other = db.For((await db.Tenants.CreateAsync("other", Ct)).Id);
        (await other.Runs.FindUnfinishedAsync("dedup", Ct)).ShouldBeNull();
        (await other.Runs.GetAsync(second, Ct)).ShouldBeNull();
        (await s.Runs.ListAsync(Page.All, Ct)).Select(r => r.Id).ShouldBe([first, second]);
    }

    [Fact]
    public async Task ABadVectorIsRefusedAndNothingOfTheBatchIsStored()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        var media = await s.Media.RegisterAsync([Entry("/a.jpg", "a"), Entry("/b.jpg", "b")], Ct);
        var bad = Face(2) with { Embeddings = [new NewEmbedding("dlib-resnet29", "v1", [float.NaN, 1f])] };
        await Should.ThrowAsync<ArgumentException>(() => s.Media.SaveResultsAsync([Ok(media[0].Media.Id, Face(1)), Ok(media[1].Media.Id, bad)], null, Ct));
        (await s.Faces.CountAsync(Ct)).ShouldBe(0);
        (await s.Media.CountAsync(MediaState.Done, Ct)).ShouldBe(0);
    }

    // ---- persons ----

    [Fact]
    public async Task PersonsMergeAndSplitPinFacesRecordDecisionsAndNeverReuseIds()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        var (_, f) = await SeedAsync(s, 5);
        long alice = await s.Persons.CreateAsync("Alice", f[0], Ct);
        long bob = await s.Persons.CreateAsync(null, f[3], Ct);
        await s.Faces.AssignPersonsAsync([(f[0], alice), (f[1], alice), (f[2], alice), (f[3], bob), (f[4], bob)], Ct);

        await s.Persons.MergeAsync(alice, bob, "tester", Ct);
        (await s.Persons.GetAsync(bob, Ct)).ShouldBeNull();
        var faces = await s.Faces.ListAsync(Page.All, Ct);
        faces.ShouldAllBe(x => x.PersonId == alice && x.PinnedPersonId == alice);

        long carol = await s.Persons.SplitAsync(alice, [f[3], f[4]], "Carol", "tester", Ct);
        carol.ShouldBeGreaterThan(bob);
        (await s.Faces.GetAsync(f[4], Ct))!.PinnedPersonId.ShouldBe(carol);
        await Should.ThrowAsync<ArgumentException>(() => s.Persons.SplitAsync(alice, [f[4]], null, null, Ct)); // not Alice's any more

        var decisions = await s.Persons.ListDecisionsAsync(Ct);
        decisions.Select(d => (d.Kind, d.PersonId, d.OtherPersonId)).ShouldBe([(PersonDecisionKind.Merge, alice, bob), (PersonDecisionKind.Split, carol, alice)]);
        decisions[1].FaceIds.ShouldBe([f[3], f[4]]);

        await s.Persons.DeleteAsync(carol, Ct);
        long dave = await s.Persons.CreateAsync("Dave", null, Ct);
        dave.ShouldBeGreaterThan(carol);
        (await s.Faces.GetAsync(f[4], Ct))!.PinnedPersonId.ShouldBeNull();

        await s.Faces.ExcludeAsync(f[0], dave, Ct);
        (await s.Faces.GetAsync(f[0], Ct))!.ExcludedPersonIds.ShouldBe([dave]);
        await s.Persons.UpdateAsync(dave, "David", null, Ct);
        (await s.Persons.ListAsync(Page.All, Ct)).Select(p => p.Name).ShouldBe(["Alice", "David"]);

        var other = db.For((await db.Tenants.CreateAsync("other", Ct)).Id);
        (await other.Persons.ListAsync(Page.All, Ct)).ShouldBeEmpty();
        (await other.Persons.GetAsync(alice, Ct)).ShouldBeNull();
        (await other.Persons.ListDecisionsAsync(Ct)).ShouldBeEmpty();
    }

    // ---- dedup sets, findings, ignored pairs ----

    [Fact]
    public async Task FindingsBelongToTheirSetAndASharedSetReadsTheEarlierRows()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        var (m, f) = await SeedAsync(s, 4);
        var set1 = await s.Dedup.CreateSetAsync(null, DedupSet.DefaultGroup, null, Ct);
        set1.Group.ShouldBe(DedupSet.DefaultGroup);
        set1.FindingsSetId.ShouldBe(set1.Id);
        // Stored smaller media first whatever order they are given in.
        await s.Dedup.AddFindingsAsync(set1.Id, [new NewFinding(m[1], m[0], f[1], f[0], 0.97f, "{}"), new NewFinding(m[2], m[3], f[2], f[3], 0.95f, "{}")], Ct);
        var rows = await s.Dedup.GetFindingsAsync(set1.Id, null, Ct);
        rows.Select(r => (r.MediaA, r.MediaB, r.FaceA, r.FaceB)).ShouldBe([(m[0], m[1], (long?)f[0], (long?)f[1]), (m[2], m[3], f[2], f[3])]);
        rows[0].Score.ShouldBe(0.97f);

        var set2 = await s.Dedup.CreateSetAsync(null, DedupSet.DefaultGroup, set1.Id, Ct);
        set2.FindingsSetId.ShouldBe(set1.Id);
        (await s.Dedup.GetFindingsAsync(set2.Id, null, Ct)).Select(r => r.Id).ShouldBe(rows.Select(r => r.Id));
        await Should.ThrowAsync<CatalogException>(() => s.Dedup.AddFindingsAsync(set2.Id, [new NewFinding(m[0], m[2], null, null, 0.9f, "{}")], Ct));
        var set3 = await s.Dedup.CreateSetAsync(null, DedupSet.DefaultGroup, set2.Id, Ct); // sharing a sharer takes the owner
        set3.FindingsSetId.ShouldBe(set1.Id);
        (await s.Dedup.LatestSetAsync(DedupSet.DefaultGroup, Ct))!.Id.ShouldBe(set3.Id);

        var other = await s.Dedup.CreateSetAsync(null, "programme-b", null, Ct);
        (await s.Dedup.LatestSetAsync(DedupSet.DefaultGroup, Ct))!.Id.ShouldBe(set3.Id);
        (await s.Dedup.LatestSetAsync("programme-b", Ct))!.Id.ShouldBe(other.Id);
        (await s.Dedup.ListSetsAsync("programme-b", Page.All, Ct)).Select(x => x.Id).ShouldBe([other.Id]);
        (await s.Dedup.ListSetsAsync(null, Page.All, Ct)).Count.ShouldBe(4);

        await s.Dedup.SetFindingStatusAsync(rows[1].Id, FindingStatus.Confirmed, "rev", Ct);
        (await s.Dedup.GetFindingAsync(rows[1].Id, Ct))!.Status.ShouldBe(FindingStatus.Confirmed);
        (await s.Dedup.GetFindingsAsync(set3.Id, new FindingQuery { Status = FindingStatus.Confirmed }, Ct)).Select(r => r.Id).ShouldBe([rows[1].Id]);
        (await s.Dedup.GetFindingsAsync(set1.Id, new FindingQuery { MinScore = 0.96f }, Ct)).Select(r => r.Id).ShouldBe([rows[0].Id]);
        (await s.Dedup.GetFindingsAsync(set1.Id, new FindingQuery { Page = new Page(rows[0].Id, 10) }, Ct)).Select(r => r.Id).ShouldBe([rows[1].Id]);
        (await s.IgnoredPairs.AddAsync(Hash("/p/3"), Hash("/p/2"), "twins", "rev", Ct)).ShouldBeTrue();
        (await s.Dedup.GetFindingsAsync(set1.Id, new FindingQuery { SkipIgnored = true }, Ct)).Select(r => r.Id).ShouldBe([rows[0].Id]);

        var tenant2 = db.For((await db.Tenants.CreateAsync("other", Ct)).Id);
        (await tenant2.Dedup.GetSetAsync(set1.Id, Ct)).ShouldBeNull();
        (await tenant2.Dedup.GetFindingAsync(rows[0].Id, Ct)).ShouldBeNull();
        (await tenant2.Dedup.GetFindingsAsync(set1.Id, null, Ct)).ShouldBeEmpty();
        await Should.ThrowAsync<CatalogException>(() => tenant2.Dedup.SetFindingStatusAsync(rows[0].Id, FindingStatus.NotDuplicate, null, Ct));
        (await s.Dedup.GetFindingAsync(rows[0].Id, Ct))!.Status.ShouldBe(FindingStatus.New);
    }

    [Fact]
    public async Task IgnoredPairsAreOrderFreeIdempotentAndPerTenant()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        string a = Hash("a"), b = Hash("b");
        (await s.IgnoredPairs.AddAsync(b, a, "twins", "rev", Ct)).ShouldBeTrue();
        (await s.IgnoredPairs.AddAsync(a, b, "again", "rev2", Ct)).ShouldBeFalse();
        (await s.IgnoredPairs.ContainsAsync(a, b, Ct)).ShouldBeTrue();
        var stored = (await s.IgnoredPairs.ListAsync(Ct)).Single();
        (stored.HashA, stored.HashB, stored.Reason, stored.CreatedBy).ShouldBe((string.CompareOrdinal(a, b) < 0 ? a : b, string.CompareOrdinal(a, b) < 0 ? b : a, "twins", "rev"));

        var other = db.For((await db.Tenants.CreateAsync("other", Ct)).Id);
        (await other.IgnoredPairs.ContainsAsync(a, b, Ct)).ShouldBeFalse();
        (await other.IgnoredPairs.RemoveAsync(a, b, Ct)).ShouldBeFalse();
        (await s.IgnoredPairs.RemoveAsync(b, a, Ct)).ShouldBeTrue();
        (await s.IgnoredPairs.ContainsAsync(a, b, Ct)).ShouldBeFalse();
    }

    // ---- units of work ----

    [Fact]
    public async Task AUnitOfWorkCommitsEverythingOrNothing()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        var media = await s.Media.RegisterAsync([Entry("/a.jpg", "a"), Entry("/b.jpg", "b")], Ct);
        var set = await s.Dedup.CreateSetAsync(null, DedupSet.DefaultGroup, null, Ct);
        await s.Dedup.AddFindingsAsync(set.Id, [new NewFinding(media[0].Media.Id, media[1].Media.Id, null, null, 0.9f, "{}")], Ct);
        var finding = (await s.Dedup.GetFindingsAsync(set.Id, null, Ct)).Single();

        await using (var uow = await s.BeginAsync(null, Ct))
        {
            await uow.Dedup.SetFindingStatusAsync(finding.Id, FindingStatus.NotDuplicate, "rev", Ct);
            await uow.IgnoredPairs.AddAsync(Hash("a"), Hash("b"), null, "rev", Ct);
            // not committed
        }
        (await s.Dedup.GetFindingAsync(finding.Id, Ct))!.Status.ShouldBe(FindingStatus.New);
        (await s.IgnoredPairs.ListAsync(Ct)).ShouldBeEmpty();

        await using (var uow = await s.BeginAsync(null, Ct))
        {
            await uow.Dedup.SetFindingStatusAsync(finding.Id, FindingStatus.NotDuplicate, "rev", Ct);
            await uow.IgnoredPairs.AddAsync(Hash("a"), Hash("b"), null, "rev", Ct);
            (await uow.Dedup.GetFindingAsync(finding.Id, Ct))!.Status.ShouldBe(FindingStatus.NotDuplicate); // reads see the unit's writes
            await uow.CommitAsync(Ct);
        }
        (await s.Dedup.GetFindingAsync(finding.Id, Ct))!.Status.ShouldBe(FindingStatus.NotDuplicate);
        (await s.IgnoredPairs.ListAsync(Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task OneDatabaseServesManyTasksAtOnce()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < 10; i++)
            {
                var r = await s.Media.RegisterAsync([Entry($"/t{t}/{i}.jpg", $"{t}-{i}")], Ct);
                await s.Media.SaveResultsAsync([Ok(r[0].Media.Id, Face(t * 100 + i))], null, Ct);
                (await s.Media.GetAsync(r[0].Media.Id, Ct))!.State.ShouldBe(MediaState.Done);
            }
        }, Ct)));
        (await s.Media.CountAsync(MediaState.Done, Ct)).ShouldBe(80);
        (await s.Faces.CountAsync(Ct)).ShouldBe(80);
    }

    [Fact]
    public async Task UnitsOfWorkClaimDisjointBatchesOfPendingMedia()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        var media = await s.Media.RegisterAsync(Enumerable.Range(0, 7).Select(i => Entry($"/c/{i}.jpg", $"c{i}")).ToList(), Ct);
        await Should.ThrowAsync<InvalidOperationException>(() => s.Media.ClaimPendingAsync(3, Ct)); // a claim needs a unit to live in

        IReadOnlyList<MediaFile> first, second;
        Task<IReadOnlyList<MediaFile>> secondWorker;
        await using (var a = await s.BeginAsync(null, Ct))
        {
            first = await a.Media.ClaimPendingAsync(3, Ct);
            // A second worker claims while the first still holds its batch: on PostgreSQL it skips the locked rows,
            // on SQLite it waits for the file's write lock; either way it never gets the first one's media.
            secondWorker = Task.Run(async () =>
            {
                await using var b = await s.BeginAsync(null, Ct);
                var claimed = await b.Media.ClaimPendingAsync(3, Ct);
                await b.Media.SaveResultsAsync(claimed.Select(m => Ok(m.Id)).ToList(), null, Ct);
                await b.CommitAsync(Ct);
                return claimed;
            }, Ct);
            await Task.Delay(200, Ct);
            await a.Media.SaveResultsAsync(first.Select(m => Ok(m.Id)).ToList(), null, Ct);
            await a.CommitAsync(Ct);
        }
        second = await secondWorker;
        first.Select(m => m.Id).ShouldBe(media.Take(3).Select(r => r.Media.Id));
        second.Count.ShouldBe(3);
        second.Select(m => m.Id).Intersect(first.Select(m => m.Id)).ShouldBeEmpty();
        (await s.Media.CountAsync(MediaState.Done, Ct)).ShouldBe(6);

        // A unit that ends without committing releases its claim.
        await using (var dropped = await s.BeginAsync(null, Ct))
            (await dropped.Media.ClaimPendingAsync(5, Ct)).Count.ShouldBe(1);
        await using (var again = await s.BeginAsync(null, Ct))
            (await again.Media.ClaimPendingAsync(5, Ct)).ShouldHaveSingleItem().Id.ShouldBe(media[^1].Media.Id);
    }

    // ---- leases ----

    private static LeaseHolder Holder(string name) => new(name, "host-" + name, 1000 + name.Length, Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task ALeaseIsExclusiveUntilReleasedOrExpiredAndEveryGrantHasAHigherToken()
    {
        var db = await OpenFreshAsync();
        var first = await db.Leases.TryAcquireAsync("ingest", Holder("one"), TimeSpan.FromMinutes(1), null, Ct);
        first.Succeeded.ShouldBeTrue();
        first.Replaced.ShouldBeNull();
        var refused = await db.Leases.TryAcquireAsync("ingest", Holder("two"), TimeSpan.FromMinutes(1), null, Ct);
        refused.Succeeded.ShouldBeFalse();
        refused.HeldBy!.Holder.Purpose.ShouldBe("one");
        refused.HeldBy.Token.ShouldBe(first.Granted!.Token);
        (await db.Leases.TryAcquireAsync("other-name", Holder("two"), TimeSpan.FromMinutes(1), null, Ct)).Succeeded.ShouldBeTrue();

        (await db.Leases.RenewAsync("ingest", first.Granted.Token, TimeSpan.FromMinutes(1), Ct)).ShouldNotBeNull();
        await db.Leases.ReleaseAsync("ingest", first.Granted.Token, Ct);
        (await db.Leases.GetAsync("ingest", Ct)).ShouldBeNull();
        var second = await db.Leases.TryAcquireAsync("ingest", Holder("two"), TimeSpan.FromMilliseconds(300), null, Ct);
        second.Granted!.Token.ShouldBeGreaterThan(first.Granted.Token);
        (await db.Leases.RenewAsync("ingest", first.Granted.Token, TimeSpan.FromMinutes(1), Ct)).ShouldBeNull(); // released long ago

        await Task.Delay(600, Ct); // the second holder stops renewing: its lease expires
        var third = await db.Leases.TryAcquireAsync("ingest", Holder("three"), TimeSpan.FromMinutes(1), null, Ct);
        third.Granted!.Token.ShouldBeGreaterThan(second.Granted.Token);
        third.Replaced!.Holder.Purpose.ShouldBe("two");
        (await db.Leases.RenewAsync("ingest", second.Granted.Token, TimeSpan.FromMinutes(1), Ct)).ShouldBeNull();
        await db.Leases.ReleaseAsync("ingest", second.Granted.Token, Ct); // a stale release does not free the new holder's lease
        (await db.Leases.GetAsync("ingest", Ct))!.Token.ShouldBe(third.Granted.Token);

        // A holder proven dead by the caller is replaced at once, by token only.
        var wrongToken = await db.Leases.TryAcquireAsync("ingest", Holder("four"), TimeSpan.FromMinutes(1), third.Granted.Token - 1, Ct);
        wrongToken.Succeeded.ShouldBeFalse();
        var fourth = await db.Leases.TryAcquireAsync("ingest", Holder("four"), TimeSpan.FromMinutes(1), third.Granted.Token, Ct);
        fourth.Granted!.Token.ShouldBeGreaterThan(third.Granted.Token);
    }

    [Fact]
    public async Task AUnitOfWorkFencedWithALostLeaseWritesNothing()
    {
        var db = await OpenFreshAsync();
        var s = db.For(TenantId.Default);
        var media = await s.Media.RegisterAsync([Entry("/a.jpg", "a")], Ct);
        var mine = (await db.Leases.TryAcquireAsync("ingest", Holder("one"), TimeSpan.FromMilliseconds(200), null, Ct)).Granted!;

        await using (var uow = await s.BeginAsync(mine.Fence, Ct))
        {
            await uow.Media.SaveResultsAsync([Ok(media[0].Media.Id, Face(1))], null, Ct);
            await uow.CommitAsync(Ct);
        }
        (await s.Faces.CountAsync(Ct)).ShouldBe(1);

        await Task.Delay(400, Ct);
        var theirs = (await db.Leases.TryAcquireAsync("ingest", Holder("two"), TimeSpan.FromMinutes(1), null, Ct)).Granted!;
        var lost = await Should.ThrowAsync<LeaseLostException>(async () =>
        {
            await using var uow = await s.BeginAsync(mine.Fence, Ct);
            await uow.Media.SaveResultsAsync([Ok(media[0].Media.Id, Face(2), Face(3))], null, Ct);
            await uow.CommitAsync(Ct);
        });
        lost.LeaseName.ShouldBe("ingest");
        (await s.Faces.CountAsync(Ct)).ShouldBe(1);

        await using (var uow = await s.BeginAsync(theirs.Fence, Ct))
        {
            await uow.Media.SaveResultsAsync([Ok(media[0].Media.Id, Face(2), Face(3))], null, Ct);
            await uow.CommitAsync(Ct);
        }
        (await s.Faces.CountAsync(Ct)).ShouldBe(2);
    }

    protected static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
            list.Add(item);
        return list;
    }
}
