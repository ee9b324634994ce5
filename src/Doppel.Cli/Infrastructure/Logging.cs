using Serilog;
using Serilog.Events;

namespace Doppel.Cli.Infrastructure;

/// <summary>
/// Structured logs to <c>logs/</c> (one rolling file per day, like the seed's face_detection.log
/// and embeddings_clustering.log, but one stream with a "Job" property per command), warnings and
/// errors also to stderr. <c>DOPPEL_LOG_DIR</c> moves the folder.
/// </summary>
public static class Logging
{
    public static void Configure(string job)
    {
        var dir = Environment.GetEnvironmentVariable("DOPPEL_LOG_DIR") is { Length: > 0 } d ? d : "logs";
        var config = new LoggerConfiguration()
            .MinimumLevel.Debug()
            .Enrich.WithProperty("Job", job)
            .WriteTo.Console(restrictedToMinimumLevel: LogEventLevel.Warning, standardErrorFromLevel: LogEventLevel.Verbose);
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
