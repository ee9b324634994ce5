using System.Globalization;
using System.Net;

namespace Doppel.Reports.Html;

/// <summary>Small helpers for writing HTML by hand: escaping, number formatting, the shared style sheet.</summary>
internal static class Html
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string PngDataUri(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    /// <summary>Plain, print-friendly styling; system fonts only, so the page needs no network.</summary>
    public const string BaseCss = """
        :root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --accent: #1f77b4; --bg: #f6f7f9; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
        header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
        header { padding-top: 24px; }
        h1 { font-size: 26px; margin: 0 0 6px; }
        h2 { font-size: 20px; margin: 34px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
        h3 { font-size: 16px; margin: 0 0 10px; }
        .meta { color: var(--muted); margin: 0; }
        code { background: #eceef2; padding: 1px 5px; border-radius: 3px; font-size: 13px; word-break: break-all; }
        nav { margin: 14px 0 0; }
        nav a { margin-right: 14px; color: var(--accent); text-decoration: none; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 18px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 130px; }
        .card .value { font-size: 24px; font-weight: 600; }
        .card .label { color: var(--muted); font-size: 13px; }
        .panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-bottom: 16px; }
        .chart { max-width: 100%; height: auto; display: block; }
        .members { display: flex; flex-wrap: wrap; gap: 12px; }
        figure { margin: 0; width: 168px; }
        figcaption { font-size: 12px; color: var(--muted); word-break: break-all; margin-top: 4px; }
        figcaption .why { display: block; word-break: normal; margin-top: 2px; }
        .thumb { width: 160px; height: 160px; border-radius: 6px; background-color: #e4e7ec; background-size: contain;
                 background-repeat: no-repeat; background-position: center; border: 1px solid var(--line); }
        img.thumb { display: block; object-fit: contain; }
        .thumb.missing { display: flex; align-items: center; justify-content: center; color: var(--muted); font-size: 12px; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
        th { background: #eef0f4; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .pairs { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }
        .pair { display: flex; align-items: center; gap: 10px; border: 1px solid var(--line); border-radius: 8px; padding: 10px; background: #fbfbfc; }
        .score { font-size: 18px; font-weight: 600; text-align: center; min-width: 90px; }
        .score small { display: block; font-size: 12px; font-weight: 400; color: var(--muted); }
        .persons { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
        .faces { display: flex; gap: 6px; flex-wrap: wrap; }
        .faces .thumb { width: 72px; height: 72px; }
        .chips span { display: inline-block; background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 2px 10px; margin: 0 6px 6px 0; font-size: 13px; }
        .empty, .more { color: var(--muted); font-style: italic; }
        h1 a { color: inherit; text-decoration: none; }
        h2 small { font-size: 14px; font-weight: 400; color: var(--muted); }
        .subtitle { margin: 0 0 4px; font-size: 17px; }
        .pager { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 10px 0 16px; }
        .pager a, .pager span[aria-current] { min-width: 34px; padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; text-align: center; background: #fff; color: var(--accent); text-decoration: none; }
        .pager span[aria-current] { background: var(--accent); color: #fff; border-color: var(--accent); }
        .pager .gap { color: var(--muted); }
        footer { color: var(--muted); font-size: 12px; padding: 30px 24px; }
        """;
}
