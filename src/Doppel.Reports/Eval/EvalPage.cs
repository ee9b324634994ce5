using System.Globalization;
using System.Text;
using Doppel.Reports.Html;
using static Doppel.Reports.Html.Html;

namespace Doppel.Reports.Eval;

/// <summary>A one-page HTML report shared by the eval writers: title, facts, charts, a metrics table.</summary>
internal static class EvalPage
{
    public static string Render(string title, IReadOnlyList<(string Label, string Value)> facts, IReadOnlyList<(string Caption, byte[] Png)> charts,
        IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows, string tableId)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(E(title))
            .Append("</title>\n<style>\n").Append(BaseCss).Append("\n</style>\n</head>\n<body>\n<header>\n<h1>").Append(E(title)).Append("</h1>\n<p class=\"meta\">");
        html.Append(string.Join(" · ", facts.Select(f => $"{E(f.Label)} <code>{E(f.Value)}</code>")));
        html.Append("</p>\n</header>\n<main>\n<h2>Metrics</h2>\n<table id=\"").Append(tableId).Append("\">\n<thead><tr>");
        for (int c = 0; c < columns.Count; c++)
            html.Append(c == 0 ? "<th>" : "<th class=\"num\">").Append(E(columns[c])).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            for (int c = 0; c < row.Count; c++)
                html.Append(c == 0 ? "<td>" : "<td class=\"num\">").Append(E(row[c])).Append("</td>");
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
        foreach (var (caption, png) in charts)
            html.Append("<h2>").Append(E(caption)).Append("</h2>\n<div class=\"panel\"><img class=\"chart\" alt=\"").Append(E(caption))
                .Append("\" src=\"").Append(PngDataUri(png)).Append("\"></div>\n");
        html.Append("</main>\n<footer>Written by Doppel.</footer>\n</body>\n</html>\n");
        return html.ToString();
    }

    public static string Csv(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var csv = new StringBuilder();
        csv.Append(string.Join(',', columns.Select(CsvText.Field))).Append('\n');
        foreach (var row in rows)
            csv.Append(string.Join(',', row.Select(CsvText.Field))).Append('\n');
        return csv.ToString();
    }


    public static string Fixed(double? value, int decimals) =>
        value is double v ? v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "";

    public static string Rate(double far) => far.ToString("0.######", CultureInfo.InvariantCulture);

    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
}
