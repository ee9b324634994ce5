using Doppel.Storage;

namespace Doppel.Workers;

/// <summary>
/// Local paths for the analyser: a local folder's keys are paths already; media in another store (a blob
/// container) are copied once into a temporary folder for the job and deleted with it.
/// </summary>
internal sealed class LocalCopies : IAsyncDisposable
{
    private readonly Dictionary<string, long> _idOfPath = [];
    private string? _temp;

    public List<string> Paths { get; } = [];

    public long MediaIdOf(string path) => _idOfPath[path];

    public static async Task<LocalCopies> MakeAsync(WorkerServices services, IReadOnlyList<MediaFile> media, CancellationToken cancellationToken)
    {
        var copies = new LocalCopies();
        foreach (var m in media)
        {
            string path = m.Path;
            if (m.Source != MediaSources.File)
            {
                copies._temp ??= Directory.CreateTempSubdirectory("doppel-work-").FullName;
                path = Path.Combine(copies._temp, $"{m.Id}{Path.GetExtension(m.Path)}");
                await using var source = await services.MediaStore(m.Source).OpenReadAsync(m.Path, cancellationToken);
                await using var target = File.Create(path);
                await source.CopyToAsync(target, cancellationToken);
            }
            copies._idOfPath[path] = m.Id;
            copies.Paths.Add(path);
        }
        return copies;
    }

    public ValueTask DisposeAsync()
    {
        if (_temp is not null)
            Directory.Delete(_temp, recursive: true);
        return ValueTask.CompletedTask;
    }
}
