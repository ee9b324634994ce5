using Doppel.Matching.IO;
using Doppel.Storage;

namespace Doppel.Application.Export;

/// <summary>Query "export embeddings": every stored vector of a model, each named <c>KEY#FACE</c> (the media key
/// and the face's index in it), written as <c>.npy</c> (+ ids) or JSONL. Returns how many and their dimension.</summary>
public sealed class ExportEmbeddingsHandler(IStoreSet stores)
{
    public async Task<(int Count, int Dimension)> HandleAsync(string model, string format, string outputFile, CancellationToken cancellationToken = default)
    {
        var path = (await stores.Media.ListAsync(null, Page.All, cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.Id, m => m.Path);
        var faces = (await stores.Faces.ListAsync(Page.All, cancellationToken).ConfigureAwait(false)).ToDictionary(f => f.Id);
        var ids = new List<string>();
        var data = new List<float>();
        int dimension = 0;
        await foreach (var e in stores.Faces.ReadEmbeddingsAsync(model, cancellationToken).ConfigureAwait(false))
        {
            var face = faces[e.FaceId];
            ids.Add($"{path[face.MediaId]}#{face.FaceIndex}");
            data.AddRange(e.Vector);
            dimension = e.Dimension;
        }
        if (ids.Count == 0)
            throw new ArgumentException($"The catalog holds no '{model}' vectors.");
        var set = new EmbeddingSet(ids, [.. data], dimension);
        if (format == "jsonl")
            EmbeddingFiles.WriteJsonl(set, outputFile);
        else
            EmbeddingFiles.WriteNpy(set, outputFile);
        return (ids.Count, dimension);
    }
}
