namespace Doppel.Reports.Html;

/// <summary>
/// RFC 4180 quoting for the CSV files Doppel writes, made safe to open in a spreadsheet: a cell that
/// starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return is a formula to
/// Excel, LibreOffice and Google Sheets (a file named <c>=HYPERLINK(...)</c>.jpg would run), so it is
/// prefixed with an apostrophe (OWASP's "CSV injection" advice), which the spreadsheet shows as text.
/// </summary>
public static class CsvText
{
    public static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r', '\'']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
