namespace Doppel.Reports.Html;

/// <summary>RFC 4180 quoting for the CSV files the reports write.</summary>
internal static class CsvText
{
    public static string Field(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
