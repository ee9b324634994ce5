using System.CommandLine;
using Doppel.Application.Persons;
using Doppel.Cli.Infrastructure;
using Doppel.Jobs;
using Doppel.Jobs.Persons;
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

    private static Option<string> Db() => new("--db") { Description = "Catalog (SQLite file; default $DOPPEL_DB, else doppel.db).", DefaultValueFactory = _ => Doppel.Application.CatalogDatabases.Setting(null, "doppel.db") };

    private static Command Clustering(string name, string description, bool recluster)
    {
        var db = Db();
        var model = new Option<string>("--model") { Description = "Embedding model to cluster.", DefaultValueFactory = _ => ModelProfiles.Selected().Embedder };
        var similarity = new Option<float?>("--similarity") { Description = "Cosine similarity at which two faces are neighbours (default: the model's tuned clustering distance, docs/benchmarks-clustering.md)." };
        var minFaces = new Option<int?>("--min-faces") { Description = "Neighbourhood size (the face included) that lets a face found a person (default: the model's tuned value)." };
        var search = SearchMethodOption.Create("each face's neighbours");
        var command = new Command(name, description) { db, model, similarity, minFaces, search };
        var quality = new QualityOptions();
        command.Options.Add(quality.MinQuality);
        command.SetAction(parse =>
        {
            var m = parse.GetValue(model)!;
            // The same per-model values as doppel eval cluster: incremental for recognise; recluster average linkage (dlib) or DBSCAN.
            var defaults = recluster ? PersonDefaults.Recluster(m) : PersonDefaults.Recognize(m);
            var options = defaults with
            {
                MaxDistance = parse.GetValue(similarity) is float t ? 1 - t : defaults.MaxDistance,
                MinFaces = parse.GetValue(minFaces) ?? defaults.MinFaces,
                Search = SearchMethodOption.Of(parse, search),
            };
            var outcome = Task.Run(async () =>
            {
                await using var catalog = await CatalogCommands.OpenExistingAsync(parse.GetValue(db)!);
                await CatalogEmbed.EmbedMissingAsync(catalog, m);
                return await new RecognizeHandler(catalog, TenantId.Default) { MinQuality = parse.GetValue(quality.MinQuality) }.HandleAsync(m, options, recluster);
            }).GetAwaiter().GetResult();
            Console.WriteLine($"{outcome.Faces} faces: {outcome.Assigned} in {outcome.Persons} persons ({outcome.CreatedPersons} new), {outcome.Waiting} waiting."
                + (outcome.LowQuality > 0 ? $" {outcome.LowQuality} faces low_quality (below --min-quality), not matched." : ""));
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
            foreach (var p in Handle(parse.GetValue(db)!, h => h.ListAsync()))
                Console.WriteLine($"{p.Person.Id,6}  {p.Faces,5} faces  {p.Person.Name ?? "(unnamed)"}");
        });

        var personId = new Argument<long>("PERSON") { Description = "Person id." };
        var newName = new Argument<string>("NAME") { Description = "New name." };
        var rename = new Command("rename", "Name a person; the name survives every recluster.") { db, personId, newName };
        rename.SetAction(parse =>
        {
            var p = Handle(parse.GetValue(db)!, h => h.RenameAsync(parse.GetValue(personId), parse.GetValue(newName)!));
            Console.WriteLine($"Person {p.Id} is now '{p.Name}'.");
        });

        var faceId = new Argument<long>("FACE") { Description = "Face id." };
        var target = new Argument<long>("PERSON") { Description = "Person id." };
        var pin = new Command("pin", "Put a face in a person for good (a manual decision clustering never undoes).") { db, faceId, target };
        pin.SetAction(parse =>
        {
            Handle(parse.GetValue(db)!, async h => { await h.PinAsync(parse.GetValue(faceId), parse.GetValue(target)); return 0; });
            Console.WriteLine($"Face {parse.GetValue(faceId)} pinned to person {parse.GetValue(target)}.");
        });
        var removeFace = new Argument<long>("FACE") { Description = "Face id." };
        var fromPerson = new Argument<long>("PERSON") { Description = "Person id." };
        var remove = new Command("remove", "Take a face out of a person; it never goes back to that person.") { db, removeFace, fromPerson };
        remove.SetAction(parse =>
        {
            Handle(parse.GetValue(db)!, async h => { await h.RemoveAsync(parse.GetValue(removeFace), parse.GetValue(fromPerson)); return 0; });
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
            var detail = Handle(parse.GetValue(db)!, h => h.ShowAsync(parse.GetValue(person)));
            Console.WriteLine($"Person {detail.Person.Id} {detail.Person.Name ?? "(unnamed)"}: {detail.Faces.Count} faces");
            foreach (var (f, media) in detail.Faces)
                Console.WriteLine($"{f.Id,8}  {media?.Path}{(f.PinnedPersonId == detail.Person.Id ? "  (pinned)" : "")}");
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
            long a = parse.GetValue(kept), b = parse.GetValue(merged);
            var after = Handle(parse.GetValue(db)!, h => h.MergeAsync(a, b, Environment.UserName));
            Console.WriteLine($"Person {b} merged into {a}{(after.Person.Name is { } n ? $" '{n}'" : "")}: {after.Faces} faces.");
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
            long created = Handle(parse.GetValue(db)!, h => h.SplitAsync(parse.GetValue(source), ids, parse.GetValue(name), Environment.UserName));
            Console.WriteLine($"{ids.Count} faces split off person {parse.GetValue(source)} into new person {created}{(parse.GetValue(name) is { } n ? $" '{n}'" : "")}.");
        });
        return split;
    }

    /// <summary>Opens the (existing) catalog and runs one of the persons use cases on its default tenant.</summary>
    private static T Handle<T>(string setting, Func<PersonHandlers, Task<T>> handle) => Task.Run(async () =>
    {
        await using var db = await CatalogCommands.OpenExistingAsync(setting);
        return await handle(new PersonHandlers(db, TenantId.Default));
    }).GetAwaiter().GetResult();

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
