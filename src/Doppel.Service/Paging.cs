using System.Globalization;
using Doppel.Application;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Doppel.Service;

/// <summary>
/// Page-number paging as HOPE's engine serves it: <c>page</c> (from 1) and <c>page_size</c> (default 1,000, at most
/// 10,000: a larger one is capped, so no listing is ever unbounded), answered as <c>{count, next, previous, results}</c>
/// where <c>next</c>/<c>previous</c> are absolute URLs that keep every other query parameter (the client sends its
/// filters once and then follows <c>next</c>).
/// </summary>
internal readonly record struct PageRequest(int Page, int Size)
{
    public const int DefaultSize = 1000;
    public const int MaxSize = 10_000;

    public long Offset => (long)(Page - 1) * Size;

    public static PageRequest From(HttpRequest request, int defaultSize = DefaultSize, int maxSize = MaxSize)
    {
        int page = ParseInt(request, "page") ?? 1;
        int size = ParseInt(request, "page_size") ?? defaultSize;
        if (page < 1)
            throw new ValidationException("page must be 1 or more.");
        if (size < 1)
            throw new ValidationException("page_size must be 1 or more.");
        return new PageRequest(page, Math.Min(size, maxSize));
    }

    private static int? ParseInt(HttpRequest request, string name)
    {
        string? text = request.Query[name];
        if (string.IsNullOrEmpty(text))
            return null;
        // A huge number is not an error, just more than the cap.
        if (text.Length <= 40 && text.All(char.IsAsciiDigit))
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? (int)Math.Min(value, int.MaxValue) : int.MaxValue;
        throw new ValidationException($"{name} must be a whole number.");
    }

    public object Envelope<T>(HttpRequest request, long count, IEnumerable<T> results) => new Dictionary<string, object?>
    {
        ["count"] = count,
        ["next"] = Offset + Size < count ? Link(request, Page + 1) : null,
        ["previous"] = Page > 1 ? Link(request, Math.Min(Page - 1, (int)Math.Max(1, (count + Size - 1) / Size))) : null,
        ["results"] = results,
    };

    private static string Link(HttpRequest request, int page)
    {
        var query = request.Query.Where(q => q.Key != "page").SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v))).ToList();
        query.Add(new("page", page.ToString(CultureInfo.InvariantCulture)));
        var path = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}";
        return QueryHelpers.AddQueryString(path, query);
    }
}
