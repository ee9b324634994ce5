using Doppel.Matching.IO;
using Doppel.Storage;

namespace Doppel.Application.Export;

/// <summary>What an export wrote: how many vectors, their dimension, and the model versions that made them (one,
/// unless the catalog holds vectors of an older version not re-embedded yet).</summary>
public sealed record ExportedEmbeddings(int Count, int Dimension, IReadOnlyList<string> ModelVersions)
{
    public void Deconstruct(out int count, out int dimension) => (count, dimension) = (Count, Dimension);
}

/// <summary>Query "export embeddings": every stored vector of a model, each named <c>KEY#FACE</c> (the media key
/// and the face's index in it), written as <c>.npy</c> (+ ids) or JSONL. Returns how many, their dimension and the
/// model versions. <see cref="NotFoundException"/> when the catalog (the tenant's, for the service) holds none.</summary>
public sealed class ExportEmbeddingsHandler(IStoreSet stores)
{
    /// <param name="keyOf">How a media path is named in the ids (the CLI: as stored; the service: relative to its
    /// media folder, the key the tenant registered, so no server path leaves it). Null: as stored.</param>
    /// <param name="version">Only vectors of this model version (a set's: the version its profile makes); null: every version.</param>
    /// <param name="media">Only faces of these media records (a set's images); null: every face of the catalog.</param>
    public async Task<ExportedEmbeddings> HandleAsync(string model, string format, string outputFile, Func<string, string>? keyOf = null,
        CancellationToken cancellationToken = default, string? version = null, IReadOnlySet<long>? media = null)
    {
        var path = (await stores.Media.ListAsync(null, Page.All, cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.Id, m => keyOf is null ? m.Path : keyOf(m.Path));
        var faces = (await stores.Faces.ListAsync(Page.All, cancellationToken).ConfigureAwait(false)).ToDictionary(f => f.Id);
        var ids = new List<string>();
        var data = new List<float>();
        var versions = new SortedSet<string>(StringComparer.Ordinal);
        int dimension = 0;
        await foreach (var e in stores.Faces.ReadEmbeddingsAsync(model, cancellationToken).ConfigureAwait(false))
        {
            var face = faces[e.FaceId];
            if ((version is not null && e.ModelVersion != version) || (media is not null && !media.Contains(face.MediaId)))
                continue;
            ids.Add($"{path[face.MediaId]}#{face.FaceIndex}");
            data.AddRange(e.Vector);
            dimension = e.Dimension;
            versions.Add(e.ModelVersion);
        }
        if (ids.Count == 0)
            throw new NotFoundException(version is null && media is null ? $"The catalog holds no '{model}' vectors."
                : $"The catalog holds no '{model}' vectors{(version is null ? "" : $" of version {version}")}{(media is null ? "" : " of the set's images")} (is it processed?).");
        var set = new EmbeddingSet(ids, [.. data], dimension);
        if (format == "jsonl")
            EmbeddingFiles.WriteJsonl(set, outputFile);
        else
            EmbeddingFiles.WriteNpy(set, outputFile);
        return new ExportedEmbeddings(ids.Count, dimension, versions.ToList());
    }
}
