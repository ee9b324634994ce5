using System.Globalization;

// Usage:
//   Doppel.Storage.Worker scan CATALOG FILES BATCH DELAY_MS
//     Takes lease "scan" (2 minutes, renewed; a holder that is a dead process on this host is replaced at once),
//     registers FILES synthetic media, then stores one face with a 128-d vector per pending file, BATCH files per
//     unit of work fenced with the lease, sleeping DELAY_MS between batches and printing "saved N" after each
//     commit. Resumes an unfinished scan run. Exit 3 when another live process holds the lease.
//   Doppel.Storage.Worker fenced CATALOG FILES BATCH DELAY_MS TTL_MS   (CATALOG: a SQLite file or a postgres:// URI)
//     The same with a lease of TTL_MS (renewed every third of it). Exit 4 (printing "lease lost") when a write is
//     refused because another process took the lease over.
//   Doppel.Storage.Worker bench-stores CATALOG FILES BATCH
//     Throughput of the bulk paths through the async stores (IDoppelDatabase on SQLite). Run with -c Release.
static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

if (args.Length == 5 && args[0] == "scan")
    return await Fenced.Run(args[1], Int(args[2]), Int(args[3]), Int(args[4]), ttlMs: 120_000);
if (args.Length == 6 && args[0] == "fenced")
    return await Fenced.Run(args[1], Int(args[2]), Int(args[3]), Int(args[4]), Int(args[5]));
if (args.Length == 4 && args[0] == "bench-stores")
    return await StoreBench.Run(args[1], Int(args[2]), Int(args[3]));
Console.Error.WriteLine("usage: Doppel.Storage.Worker scan CATALOG FILES BATCH DELAY_MS | fenced CATALOG FILES BATCH DELAY_MS TTL_MS | bench-stores CATALOG FILES BATCH");
return 2;
