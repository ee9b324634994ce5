using System.CommandLine;
using Doppel.Matching;

namespace Doppel.Cli.Infrastructure;

/// <summary><c>--search exact|hnsw|ivf</c>: the one place a command picks how neighbours are found
/// (<see cref="IVectorSearch"/>); dedup, recognise, recluster, run and eval cluster share it.</summary>
public static class SearchMethodOption
{
    public static Option<string> Create(string what)
    {
        var option = new Option<string>("--search")
        {
            Description = $"How {what} are found: exact (every pair compared, default), hnsw or ivf (approximate, for millions of faces; see docs/benchmarks-matching-search.md).",
            DefaultValueFactory = _ => "exact",
        };
        option.AcceptOnlyFromAmong("exact", "hnsw", "ivf");
        return option;
    }

    /// <summary>The search the parsed option names.</summary>
    public static IVectorSearch Of(ParseResult parse, Option<string> option) => SearchConfig.Parse(parse.GetValue(option)!).CreateSearch();
}
