using System.CommandLine;
using Doppel.Application.Admin;
using Doppel.Application.Tokens;
using Doppel.Cli.Infrastructure;
using Doppel.Jobs;
using Doppel.Service;
using Doppel.Storage;
using Doppel.Application;
using Doppel.Application.Sets;
using Doppel.Vision.Embedding;
using Microsoft.Extensions.Hosting;

namespace Doppel.Cli.Commands;

/// <summary>
/// <c>doppel serve</c> (the REST service), and the credentials scripts need without a web page:
/// <c>doppel tenants add NAME</c>, <c>doppel tokens add --tenant NAME [--scope read|write|admin]</c> (prints the
/// new token, the only time it is shown), <c>tokens list</c>, <c>tokens revoke</c>, and the admin page's users: <c>doppel users add NAME --role admin|reviewer</c>. All take the same <c>--db</c>
/// (default <c>DOPPEL_DB</c>, else <c>doppel.db</c>).
/// </summary>
public static class ServeCommand
{
    public const string DbVariable = "DOPPEL_DB";
    public const string MediaVariable = "DOPPEL_MEDIA";

    private static Option<string> Db() => new("--db")
    {
        Description = $"Catalog database file (default ${DbVariable}, else doppel.db).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(DbVariable) is { Length: > 0 } v ? v : "doppel.db",
    };

    /// <summary>The database the setting names: a SQLite file, or a URI of a registered engine (PostgreSQL).</summary>
    private static IDoppelDatabase Open(string setting) => CatalogDatabases.OpenAsync(setting).GetAwaiter().GetResult();

    public static IEnumerable<Command> Create()
    {
        yield return Serve();
        yield return Tenants();
        yield return Tokens();
        yield return Users();
    }

    private static Command Serve()
    {
        var db = Db();
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var media = new Option<string>("--media")
        {
            Description = $"Folder image keys (HOPE's filename) are relative to (default ${MediaVariable}, else ./media).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(MediaVariable) is { Length: > 0 } v ? v : "media",
        };
        var maxUpload = new Option<long>("--max-upload-bytes") { Description = "Largest uploaded image (413 above).", DefaultValueFactory = _ => 10 << 20 };
        var jobs = Distributed.JobsOption();
        var inProcess = new Option<bool>("--in-process")
        {
            Description = "Process sets in this process even on PostgreSQL (by default a PostgreSQL service queues them for doppel worker processes).",
        };
        var chunkSize = new Option<int>("--chunk-size")
        {
            Description = "With workers: images of a set per analysis job (a set's analysis is split over the workers in jobs of this many).",
            DefaultValueFactory = _ => Doppel.Workers.HangfireSetQueue.DefaultChunkSize,
        };
        chunkSize.AtLeast(1);
        var blockSize = new Option<int>("--block-size")
        {
            Description = "With workers: faces per matching block of a set (a matching job joins two blocks).",
            DefaultValueFactory = _ => Doppel.Workers.HangfireSetQueue.DefaultBlockSize,
        };
        blockSize.AtLeast(1);
        var pipeline = PipelineOptions.Create();
        // --quality: faces of a set get the stored quality a dedup or a worker gives them (the recogniser profile's
        // assessor unless named), which the group's unified_quality_score_threshold reads: without it that gate had no
        // value to compare on the service's own sets.
        var quality = new QualityOptions(withMinimum: false);
        var command = new Command("serve", "Run the REST service: HOPE-compatible API, Doppel's v1, OpenAPI at /openapi/v1.json, UI at /scalar.")
        {
            db, urls, media, maxUpload, jobs, inProcess, chunkSize, blockSize,
        };
        pipeline.AddTo(command);
        quality.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var catalog = parse.GetValue(db)!;
            var jobsAddress = JobsOf(parse.GetValue(jobs), catalog, parse.GetValue(inProcess));
            await using var database = Open(catalog);
            var recipe = pipeline.Recipe(parse);
            var cache = Doppel.Models.ModelStore.CacheRoot;
            // Without an explicit --model each set runs on its profile's recogniser (its group's, else the active one,
            // read at each new set: activating a profile takes effect without a restart); with one, every set runs on it.
            using var analyzers = parse.GetResult(pipeline.Model) is { Implicit: false }
                ? null
                : new ProfileAnalyzers(p => new FacePipelineAnalyzer(quality.Apply(parse, recipe.WithEmbedder(p.Embedder))), () => ModelProfiles.SelectedIn(cache));
            using var fixedAnalyzer = analyzers is null ? new FacePipelineAnalyzer(quality.Apply(parse, recipe)) : null;
            var analyzer = fixedAnalyzer ?? analyzers!.For(null);
            var options = new ServiceOptions
            {
                Urls = parse.GetValue(urls)!,
                Database = database.Location,
                MediaFolder = Path.GetFullPath(parse.GetValue(media)!),
                MaxUploadBytes = parse.GetValue(maxUpload),
                JobsDatabase = jobsAddress,
                // The container this process synced its models from at start is the one its admin page publishes to.
                ModelsContainer = ModelsContainer.Configured(parse) is { } models ? ModelsContainer.Open(models) : null,
                SetChunkSize = parse.GetValue(chunkSize),
                SetBlockSize = parse.GetValue(blockSize),
            };
            // verify/identify get their own pipeline (opened at the first call) unless workers process the sets, which
            // leaves the service's own one idle.
            await using var app = ServiceHost.Build(options, database, analyzer, probes: jobsAddress is null ? p => new FacePipelineAnalyzer(p is null || analyzers is null ? recipe : recipe.WithEmbedder(p.Embedder)) : null,
                setAnalyzers: analyzers);
            await app.StartAsync(cancellationToken);
            Console.Error.WriteLine($"doppel serve: listening on {app.Address()} (catalog {database.Location}, media {options.MediaFolder}); API docs at {app.Address()}scalar, admin page at {app.Address()}admin/");
            Console.Error.WriteLine(jobsAddress is null
                ? "doppel serve: sets are processed in this process."
                : $"doppel serve: sets are queued for doppel worker processes (start one: doppel worker --db {catalog}); jobs dashboard at {app.Address()}admin/jobs/ for administrators.");
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>Where the service queues sets for workers: <c>--jobs-db</c>, else the catalog when it is PostgreSQL;
    /// null (processed in the service) with <c>--in-process</c> or a SQLite catalog.</summary>
    private static string? JobsOf(string? jobsDb, string catalog, bool inProcess)
    {
        if (inProcess)
            return jobsDb is null ? null : throw new ArgumentException("--in-process and --jobs-db contradict each other: give one.");
        if (jobsDb is not null && !Doppel.Workers.JobsStorage.IsPostgres(jobsDb))
            throw new ArgumentException($"--jobs-db must be a postgres://USER@HOST[:PORT]/DB address (got '{jobsDb}').");
        return jobsDb ?? (Doppel.Workers.JobsStorage.IsPostgres(catalog) ? catalog : null);
    }

    private static Command Tenants()
    {
        var db = Db();
        var name = new Argument<string>("NAME") { Description = "Tenant name (one registration system)." };
        var add = new Command("add", "Create a tenant.") { db, name };
        add.SetAction(async (parse, cancellationToken) =>
        {
            await using var database = Open(parse.GetValue(db)!);
            var tenant = await new TokenHandlers(database).AddTenantAsync(parse.GetValue(name)!, cancellationToken);
            Console.WriteLine($"tenant {tenant.Id} {tenant.Name}");
            return 0;
        });
        var list = new Command("list", "List tenants.") { db };
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var database = Open(parse.GetValue(db)!);
            foreach (var t in await database.Tenants.ListAsync(cancellationToken))
                Console.WriteLine($"{t.Id,4}  {t.Name}");
            return 0;
        });
        return new Command("tenants", "Tenants of the service (the HOPE engine's systems).") { add, list };
    }

    private static Command Tokens()
    {
        var db = Db();
        var tenant = new Option<string>("--tenant") { Description = "Tenant name.", Required = true };
        var scope = new Option<string>("--scope") { Description = "read, write or admin.", DefaultValueFactory = _ => "write" };
        scope.AcceptOnlyFromAmong("read", "write", "admin");
        var name = new Option<string?>("--name") { Description = "A label to tell tokens apart." };
        var add = new Command("add", "Create an API token and print it (shown only this once).") { db, tenant, scope, name };
        add.SetAction(async (parse, cancellationToken) =>
        {
            await using var database = Open(parse.GetValue(db)!);
            var s = Enum.Parse<TokenScope>(parse.GetValue(scope)!, ignoreCase: true);
            var issued = await new TokenHandlers(database).IssueAsync(parse.GetValue(tenant)!, parse.GetValue(name), s, cancellationToken);
            Console.WriteLine(issued.Secret);
            Console.Error.WriteLine($"token {issued.Token.Id} ({issued.Token.Scope.ToString().ToLowerInvariant()}) for tenant {parse.GetValue(tenant)}; send it as 'Authorization: Token <key>'.");
            return 0;
        });
        var list = new Command("list", "List a tenant's tokens (never their secrets).") { db, tenant };
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var database = Open(parse.GetValue(db)!);
            var t = await database.Tenants.FindAsync(parse.GetValue(tenant)!, cancellationToken) ?? throw new ArgumentException($"No tenant named '{parse.GetValue(tenant)}'.");
            foreach (var k in await database.Tokens.ListAsync(t.Id, cancellationToken))
                Console.WriteLine($"{k.Id,4}  {k.Prefix}…  {k.Scope.ToString().ToLowerInvariant(),-5}  {(k.IsRevoked ? "revoked" : "live"),-7}  {k.Name}");
            return 0;
        });
        var id = new Argument<long>("ID") { Description = "Token id (from tokens list)." };
        var revoke = new Command("revoke", "Revoke a token: it stops working at once.") { db, tenant, id };
        revoke.SetAction(async (parse, cancellationToken) =>
        {
            await using var database = Open(parse.GetValue(db)!);
            var t = await database.Tenants.FindAsync(parse.GetValue(tenant)!, cancellationToken) ?? throw new ArgumentException($"No tenant named '{parse.GetValue(tenant)}'.");
            await new TokenHandlers(database).RevokeAsync(t.Id, parse.GetValue(id), cancellationToken);
            Console.WriteLine($"token {parse.GetValue(id)} revoked");
            return 0;
        });
        return new Command("tokens", "API tokens (stored hashed; scoped read, write or admin).") { add, list, revoke };
    }

    private static Command Users()
    {
        var db = Db();
        var name = new Argument<string>("NAME") { Description = "User name to sign in with." };
        var role = new Option<string>("--role") { Description = "admin (everything) or reviewer (sets and findings review).", DefaultValueFactory = _ => "reviewer" };
        role.AcceptOnlyFromAmong("admin", "reviewer");
        var fromStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input instead of generating one (kept out of the shell history)." };
        var add = new Command("add", "Create a user of the admin page; prints the generated password (shown only this once) unless --password-stdin.") { db, name, role, fromStdin };
        add.SetAction(async (parse, cancellationToken) =>
        {
            await using var database = Open(parse.GetValue(db)!);
            var r = parse.GetValue(role) == "admin" ? AdminRole.Admin : AdminRole.Reviewer;
            string? given = parse.GetValue(fromStdin) ? Console.In.ReadLine() ?? "" : null;
            var created = await new AdminUserHandlers(database).AddAsync(parse.GetValue(name)!, r, given, cancellationToken);
            if (given is null)
                Console.WriteLine(created.Password);
            Console.Error.WriteLine($"user {created.User.Name} ({parse.GetValue(role)}) added; sign in at /admin/ of doppel serve.");
            return 0;
        });
        var list = new Command("list", "List the admin page's users (never their passwords).") { db };
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var database = Open(parse.GetValue(db)!);
            foreach (var u in await database.AdminUsers.ListAsync(cancellationToken))
                Console.WriteLine($"{u.Id,4}  {u.Role.ToString().ToLowerInvariant(),-8}  {u.Name}");
            return 0;
        });
        return new Command("users", "Users of the admin page (passwords stored as PBKDF2 hashes).") { add, list };
    }
}
