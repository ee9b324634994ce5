using Doppel.Matching.Bench;

// Search benchmarks. Run in Release:  dotnet run -c Release --project bench/Doppel.Matching.Bench -- <command> ...
// See docs/benchmarks-matching-search.md for the commands behind every published number.
return args.Length == 0 ? Usage() : args[0] switch
{
    "gen" => Commands.Generate(args[1..]),
    "exact" => Commands.Exact(args[1..]),
    "hnsw" => Commands.Hnsw(args[1..]),
    "ivf" => Commands.Ivf(args[1..]),
    "compact" => Commands.Compact(args[1..]),
    "seam" => Commands.Seam(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage:
          gen N D SEED OUT.npy                 face-like vectors (+ OUT.labels.npy)
          exact IN.npy THRESHOLD [THREADS] [FIRST_ROWS]  exact self-join: time, pairs, GFLOP/s, share of FMA peak
          hnsw IN.npy THRESHOLD M EFC EFS [RECALL_SAMPLE] [JOIN_EF] [FLOOD_SLACK] [top|both]
                                               HNSW build + self-join, memory, pair recall vs exact
          ivf IN.npy THRESHOLD [CELLS|auto] [MAX_PROBES] [MARGIN|inf] [RECALL_SAMPLE] [THREADS] [ITERATIONS] [POINTS_PER_CELL]
                                               IVF self-join: time, memory, pair recall vs exact
          compact IN.npy THRESHOLD             pair recall of float16 / int8 storage vs float32
          seam IN.npy THRESHOLD [ROUNDS] [K]   exact self-join and top-k called directly vs through IVectorSearch
                                               (alternating rounds, best of each): same pairs, the seam's overhead
        """);
    return 2;
}
