using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Doppel.Cli.Infrastructure;
using Doppel.Storage;
using Doppel.Storage.Sqlite;

namespace Doppel.Cli.Commands;

/// <summary><c>doppel findings</c>: the duplicate pairs of the latest dedup run — list them with
/// filters, export them, and record a reviewer's "not the same person" (which goes on the ignore
/// list, keyed by content hash, so every later run respects it).</summary>
public static class FindingsCommand
{
    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "Catalog database file.", DefaultValueFactory = _ => "doppel.db" };
        var minScore = new Option<float>("--min-score") { Description = "Only pairs scoring at least this.", DefaultValueFactory = _ => float.NegativeInfinity };
        var status = new Option<string?>("--status") { Description = "Only pairs in this status: new, confirmed, notduplicate." };
        status.AcceptOnlyFromAmong(Enum.GetNames<FindingStatus>().Select(n => n.ToLowerInvariant()).ToArray());
        var format = new Option<string>("--format") { Description = "text, csv or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "csv", "json");
        var list = new Command("list", "List the findings of the latest dedup run.") { db, minScore, status, format };
        list.SetAction(parse =>
        {
            using var catalog = CatalogCommands.OpenExisting(parse.GetValue(db)!);
            var rows = Latest(catalog)
                .Where(f => f.Score >= parse.GetValue(minScore))
                .Where(f => parse.GetValue(status) is not { } s || string.Equals(f.Status.ToString(), s, StringComparison.OrdinalIgnoreCase))
                .Select(f => (f.Id, A: catalog.GetMedia(f.MediaA)!.Path, B: catalog.GetMedia(f.MediaB)!.Path, f.Score, f.Status))
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
            using var catalog = CatalogCommands.OpenExisting(parse.GetValue(db)!);
            var finding = Latest(catalog).FirstOrDefault(f => f.Id == parse.GetValue(id))
                ?? throw new ArgumentException($"No finding {parse.GetValue(id)} in the latest dedup run.");
            var a = catalog.GetMedia(finding.MediaA)!;
            var b = catalog.GetMedia(finding.MediaB)!;
            catalog.SetFindingStatus(finding.Id, FindingStatus.NotDuplicate);
            catalog.IgnorePair(a.ContentHash, b.ContentHash, parse.GetValue(reason), Environment.UserName);
            Console.WriteLine($"Finding {finding.Id} marked not a duplicate; {a.Path} and {b.Path} will not be paired again.");
        });
        return new Command("findings", "Review the duplicate pairs found by doppel dedup.") { list, notDuplicate };
    }

    private static IReadOnlyList<Finding> Latest(ICatalog catalog) =>
        catalog.ListDedupSets().OrderByDescending(s => s.Id).FirstOrDefault() is { } set ? catalog.GetFindings(set.Id) : [];

    private static string Csv(string value) => Doppel.Reports.Html.CsvText.Field(value);
}
