using System.CommandLine;
using Doppel.Cli.Infrastructure;
using Doppel.Jobs;
using Doppel.Jobs.Persons;
using Doppel.Matching.Clustering;
using Doppel.Matching.Persons;
using Doppel.Storage;
using Doppel.Storage.Sqlite;
using Doppel.Vision.Embedding;

namespace Doppel.Cli.Commands;

/// <summary><c>doppel recognize</c> / <c>doppel recluster</c> (group catalog faces into persons) and
/// <c>doppel persons</c> (list, rename, pin a face, remove a face from a person, merge two persons,
/// split faces off into a new person).</summary>
public static class PersonsCommand
{
    public static IEnumerable<Command> Create()
    {
        yield return Clustering("recognize", "Give faces without a person the person of their nearest labelled neighbours; core faces found new persons.", recluster: false);
        yield return Clustering("recluster", "Recluster every face (DBSCAN) keeping every person id, name and manual decision.", recluster: true);
        yield return Persons();
    }

    private static Option<string> Db() => new("--db") { Description = "Catalog database file.", DefaultValueFactory = _ => "doppel.db" };

    private static Command Clustering(string name, string description, bool recluster)
    {
        var db = Db();
        var model = new Option<string>("--model") { Description = "Embedding model to cluster.", DefaultValueFactory = _ => ModelProfiles.Selected().Embedder };
        var similarity = new Option<float?>("--similarity") { Description = "Cosine similarity at which two faces are neighbours (default: the model's tuned clustering distance, docs/benchmarks-clustering.md)." };
        var minFaces = new Option<int?>("--min-faces") { Description = "Neighbourhood size (the face included) that lets a face found a person (default: the model's tuned value)." };
        var command = new Command(name, description) { db, model, similarity, minFaces };
        command.SetAction(parse =>
        {
            using var catalog = CatalogCommands.OpenExisting(parse.GetValue(db)!);
            var m = parse.GetValue(model)!;
            CatalogEmbed.EmbedMissing(catalog, m);
            // The same per-model values as doppel eval cluster: incremental for recognise, DBSCAN for recluster.
            var defaults = recluster ? ClusterDefaults.Recluster(m) : ClusterDefaults.Recognize(m);
            var options = new PersonOptions(parse.GetValue(similarity) is float t ? 1 - t : defaults.MaxDistance, parse.GetValue(minFaces) ?? defaults.MinFaces);
            var outcome = new RecognizeJob(catalog).Run(m, options, recluster);
            Console.WriteLine($"{outcome.Faces} faces: {outcome.Assigned} in {outcome.Persons} persons ({outcome.CreatedPersons} new), {outcome.Waiting} waiting.");
            foreach (var line in StaleDecision.Report(outcome.StaleDecisions))
                Console.WriteLine(line);
        });
        return command;
    }

    private static Command Persons()
    {
        var db = Db();
        var list = new Command("list", "Persons with their face counts and names.") { db };
        list.SetAction(parse =>
        {
            using var catalog = CatalogCommands.OpenExisting(parse.GetValue(db)!);
            var counts = catalog.ListFaces().Where(f => f.PersonId is not null).GroupBy(f => f.PersonId!.Value).ToDictionary(g => g.Key, g => g.Count());
            foreach (var p in catalog.ListPersons().OrderByDescending(p => counts.GetValueOrDefault(p.Id)))
                Console.WriteLine($"{p.Id,6}  {counts.GetValueOrDefault(p.Id),5} faces  {p.Name ?? "(unnamed)"}");
        });

        var personId = new Argument<long>("PERSON") { Description = "Person id." };
        var newName = new Argument<string>("NAME") { Description = "New name." };
        var rename = new Command("rename", "Name a person; the name survives every recluster.") { db, personId, newName };
        rename.SetAction(parse =>
        {
            using var catalog = CatalogCommands.OpenExisting(parse.GetValue(db)!);
            using var personsLock = LockPersons(catalog, $"persons rename {parse.GetValue(personId)}");
            var p = catalog.GetPerson(parse.GetValue(personId)) ?? throw new ArgumentException($"No person {parse.GetValue(personId)}.");
            catalog.UpdatePerson(p.Id, parse.GetValue(newName), p.RepresentativeFaceId);
            Console.WriteLine($"Person {p.Id} is now '{parse.GetValue(newName)}'.");
        });

        var faceId = new Argument<long>("FACE") { Description = "Face id." };
        var target = new Argument<long>("PERSON") { Description = "Person id." };
        var pin = new Command("pin", "Put a face in a person for good (a manual decision clustering never undoes).") { db, faceId, target };
        pin.SetAction(parse =>
        {
            using var catalog = CatalogCommands.OpenExisting(parse.GetValue(db)!);
            using var personsLock = LockPersons(catalog, $"persons pin {parse.GetValue(faceId)} {parse.GetValue(target)}");
            _ = catalog.GetPerson(parse.GetValue(target)) ?? throw new ArgumentException($"No person {parse.GetValue(target)}.");
            using var transaction = catalog.BeginTransaction();
            catalog.PinFace(parse.GetValue(faceId), parse.GetValue(target));
            catalog.AssignPersons([(parse.GetValue(faceId), parse.GetValue(target))]);
            transaction.Commit();
            Console.WriteLine($"Face {parse.GetValue(faceId)} pinned to person {parse.GetValue(target)}.");
        });
        var removeFace = new Argument<long>("FACE") { Description = "Face id." };
        var fromPerson = new Argument<long>("PERSON") { Description = "Person id." };
        var remove = new Command("remove", "Take a face out of a person; it never goes back to that person.") { db, removeFace, fromPerson };
        remove.SetAction(parse =>
        {
            using var catalog = CatalogCommands.OpenExisting(parse.GetValue(db)!);
            using var personsLock = LockPersons(catalog, $"persons remove {parse.GetValue(removeFace)} {parse.GetValue(fromPerson)}");
            using var transaction = catalog.BeginTransaction();
            catalog.ExcludeFaceFromPerson(parse.GetValue(removeFace), parse.GetValue(fromPerson));
            if (catalog.GetFace(parse.GetValue(removeFace))?.PersonId == parse.GetValue(fromPerson))
                catalog.AssignPersons([(parse.GetValue(removeFace), null)]);
            transaction.Commit();
            Console.WriteLine($"Face {parse.GetValue(removeFace)} removed from person {parse.GetValue(fromPerson)}.");
        });
        return new Command("persons", "List persons and record manual decisions.") { list, Show(), rename, pin, remove, Merge(), Split() };
    }

    private static Command Show()
    {
        var db = Db();
        var person = new Argument<long>("PERSON") { Description = "Person id." };
        var show = new Command("show", "A person's faces: face id, image, and whether a reviewer pinned it (the ids split and pin take).") { db, person };
        show.SetAction(parse =>
        {
            using var catalog = CatalogCommands.OpenExisting(parse.GetValue(db)!);
            long id = parse.GetValue(person);
            var p = catalog.GetPerson(id) ?? throw new ArgumentException($"No person {id}.");
            var faces = catalog.ListFaces().Where(f => (f.PinnedPersonId ?? f.PersonId) == id).ToList();
            Console.WriteLine($"Person {p.Id} {p.Name ?? "(unnamed)"}: {faces.Count} faces");
            foreach (var f in faces)
                Console.WriteLine($"{f.Id,8}  {catalog.GetMedia(f.MediaId)?.Path}{(f.PinnedPersonId == id ? "  (pinned)" : "")}");
        });
        return show;
    }

    private static Command Merge()
    {
        var db = Db();
        var kept = new Argument<long>("A") { Description = "Person that stays (keeps its id and name)." };
        var merged = new Argument<long>("B") { Description = "Person whose faces move to A; it is removed." };
        var merge = new Command("merge", "Merge person B into A: B's faces move to A, for good (recluster never splits them again).") { db, kept, merged };
        merge.SetAction(parse =>
        {
            using var catalog = CatalogCommands.OpenExisting(parse.GetValue(db)!);
            long a = parse.GetValue(kept), b = parse.GetValue(merged);
            // A recognize running meanwhile would write back assignments to the person this removes.
            using (LockPersons(catalog, $"persons merge {a} {b}"))
                catalog.MergePersons(a, b, Environment.UserName);
            var person = catalog.GetPerson(a)!;
            int faces = catalog.ListFaces().Count(f => f.PersonId == a);
            Console.WriteLine($"Person {b} merged into {a}{(person.Name is { } n ? $" '{n}'" : "")}: {faces} faces.");
        });
        return merge;
    }

    private static Command Split()
    {
        var db = Db();
        var source = new Argument<long>("PERSON") { Description = "Person to take the faces from." };
        var faces = new Option<string>("--faces") { Description = "Face ids to split off, comma separated (doppel persons show PERSON lists them).", Required = true };
        var name = new Option<string?>("--name") { Description = "Name of the new person." };
        var split = new Command("split", "Split faces off a person into a new one; they are pinned there and never go back on recluster.") { db, source, faces, name };
        split.SetAction(parse =>
        {
            var ids = ParseFaceIds(parse.GetValue(faces)!);
            using var catalog = CatalogCommands.OpenExisting(parse.GetValue(db)!);
            long created;
            using (LockPersons(catalog, $"persons split {parse.GetValue(source)}"))
                created = catalog.SplitPerson(parse.GetValue(source), ids, parse.GetValue(name), Environment.UserName);
            Console.WriteLine($"{ids.Count} faces split off person {parse.GetValue(source)} into new person {created}{(parse.GetValue(name) is { } n ? $" '{n}'" : "")}.");
        });
        return split;
    }

    /// <summary>Every change to persons takes the lock recognize and recluster hold while they write
    /// assignments back, so a reviewer's edit can neither be overwritten by them nor land on a person
    /// they are about to drop. Held by another live process: a <see cref="CatalogLockedException"/>.</summary>
    private static ICatalogLock LockPersons(ICatalog catalog, string purpose) => catalog.AcquireLock(RecognizeJob.PersonsLock, purpose);

    /// <summary>"12,15, 18" → [12, 15, 18]; anything else is the user's typo, said plainly.</summary>
    public static IReadOnlyList<long> ParseFaceIds(string text)
    {
        var ids = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            ids.Add(long.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                ? id
                : throw new FormatException($"'{part}' in --faces is not a face id: give ids separated by commas, e.g. --faces 12,15."));
        return ids.Count > 0 ? ids : throw new FormatException("--faces is empty: give ids separated by commas, e.g. --faces 12,15.");
    }
}
