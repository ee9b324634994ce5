using Serilog;
using Serilog.Events;

namespace Doppel.Cli.Infrastructure;

/// <summary>
/// Structured logs to <c>logs/</c> (one rolling file per day, like the seed's face_detection.log
/// and embeddings_clustering.log, but one stream with a "Job" property per command), warnings and
/// errors also to stderr as one line each: exceptions (stack traces) only ever go to the file.
/// <c>DOPPEL_LOG_DIR</c> moves the folder.
/// </summary>
public static class Logging
{
    private const string FileOnlyProperty = "FileOnly";

    /// <summary>For events the console already shows in its own words (a failure's <c>error:</c>
    /// line): written to the log file only.</summary>
    public static ILogger FileOnly => Log.ForContext(FileOnlyProperty, true);

    public static void Configure(string job)
    {
        var dir = Environment.GetEnvironmentVariable("DOPPEL_LOG_DIR") is { Length: > 0 } d ? d : "logs";
        var config = new LoggerConfiguration()
            .MinimumLevel.Debug()
            .Enrich.WithProperty("Job", job)
            .WriteTo.Logger(console => console
                .Filter.ByExcluding(Serilog.Filters.Matching.WithProperty(FileOnlyProperty))
                .WriteTo.Console(restrictedToMinimumLevel: LogEventLevel.Warning, standardErrorFromLevel: LogEventLevel.Verbose,
                    outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}"));
        try
        {
            Directory.CreateDirectory(dir);
            config = config.WriteTo.File(Path.Combine(dir, "doppel-.log"), rollingInterval: RollingInterval.Day,
                outputTemplate: "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} [{Level:u3}] {Job} {Message:lj} {Properties:j}{NewLine}{Exception}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: cannot write logs to {dir}: {e.Message}");
        }
        Log.Logger = config.CreateLogger();
    }
}
