using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Doppel.Application.Findings;
using Doppel.Cli.Infrastructure;
using Doppel.Storage;

namespace Doppel.Cli.Commands;

/// <summary><c>doppel findings</c>: the duplicate pairs of the latest dedup run — list them with
/// filters, export them, and record a reviewer's "not the same person" (which goes on the ignore
/// list, keyed by content hash, so every later run respects it).</summary>
public static class FindingsCommand
{
    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "Catalog (SQLite file or postgres://...; default $DOPPEL_DB, else doppel.db).", DefaultValueFactory = _ => Doppel.Application.CatalogDatabases.Setting(null, "doppel.db") };
        var minScore = new Option<float>("--min-score") { Description = "Only pairs scoring at least this.", DefaultValueFactory = _ => float.NegativeInfinity };
        var status = new Option<string?>("--status") { Description = "Only pairs in this status: new, confirmed, notduplicate." };
        var format = new Option<string>("--format") { Description = "text, csv or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "csv", "json");
        var list = new Command("list", "List the findings of the latest dedup run.") { db, minScore, status, format };
        list.SetAction(parse =>
        {
            var rows = Catalog(parse.GetValue(db)!, stores => new ListFindingsHandler(stores).HandleAsync(DedupSet.DefaultGroup,
                    new FindingQuery { MinScore = float.IsNegativeInfinity(parse.GetValue(minScore)) ? null : parse.GetValue(minScore) }))
                .Where(f => parse.GetValue(status) is not { } s || string.Equals(f.Finding.Status.ToString(), s, StringComparison.OrdinalIgnoreCase))
                .Select(f => (f.Finding.Id, A: f.A.Path, B: f.B.Path, f.Finding.Score, f.Finding.Status))
                .ToList();
            switch (parse.GetValue(format))
            {
                case "csv":
                    Console.WriteLine("id,image_a,image_b,score,status");
                    foreach (var r in rows)
                        Console.WriteLine(string.Join(',', r.Id, Csv(r.A), Csv(r.B), r.Score.ToString("F6", CultureInfo.InvariantCulture), r.Status.ToString().ToLowerInvariant()));
                    break;
                case "json":
                    Console.WriteLine(JsonSerializer.Serialize(rows.Select(r => new { id = r.Id, image_a = r.A, image_b = r.B, score = r.Score, status = r.Status.ToString().ToLowerInvariant() })));
                    break;
                default:
                    foreach (var r in rows)
                        Console.WriteLine($"{r.Id,6}  {r.Score:0.000}  {r.Status,-12}  {r.A}  {r.B}");
                    Console.WriteLine($"{rows.Count} finding(s)");
                    break;
            }
        });

        var id = new Argument<long>("ID") { Description = "Finding id (from doppel findings list)." };
        var reason = new Option<string?>("--reason") { Description = "Why the reviewer says these differ." };
        var notDuplicate = new Command("not-duplicate", "Mark a finding as two different people: it joins the ignore list.") { db, id, reason };
        notDuplicate.SetAction(parse =>
        {
            var reviewed = Catalog(parse.GetValue(db)!, stores => new ReviewFindingHandler(stores).HandleAsync(
                new ReviewFindingCommand(parse.GetValue(id), FindingStatus.NotDuplicate, parse.GetValue(reason), Environment.UserName)));
            Console.WriteLine($"Finding {reviewed.Finding.Id} marked not a duplicate; {reviewed.A.Path} and {reviewed.B.Path} will not be paired again.");
        });
        return new Command("findings", "Review the duplicate pairs found by doppel dedup.") { list, notDuplicate };
    }

    /// <summary>Opens an existing catalog (a missing file is a user error, not a new empty database) and runs one handler on its default tenant.</summary>
    private static T Catalog<T>(string setting, Func<ITenantStores, Task<T>> handle) => Task.Run(async () =>
    {
        await using var db = await CatalogCommands.OpenExistingAsync(setting);
        return await handle(db.For(TenantId.Default));
    }).GetAwaiter().GetResult();

    private static string Csv(string value) => value.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
}
