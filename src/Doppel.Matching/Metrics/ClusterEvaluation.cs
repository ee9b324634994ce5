using System.Diagnostics.CodeAnalysis;
using Doppel.Matching.Clustering;
using Doppel.Matching.IO;

namespace Doppel.Matching.Metrics;

/// <summary>A clustering of labelled embeddings and how it scores against the labels.</summary>
/// <param name="Identities">The true identity of each embedding row.</param>
/// <param name="Labels">The predicted cluster of each row (−1 = unassigned).</param>
/// <param name="Unembedded">Labelled items with no vector (an image where no face was found), scored as unassigned singletons after the embedded rows.</param>
public sealed record ClusterEvaluationResult(ClusteringScores Scores, IReadOnlyList<string> Identities, int[] Labels, int Unembedded = 0);

/// <summary>
/// The evaluation seam: embeddings with ids plus ground-truth identities keyed by image path,
/// clustered with one setting and scored. Callers that compute embeddings from images hand the
/// result here the same way the CLI does with files.
/// </summary>
public static class ClusterEvaluation
{
    public static ClusterEvaluationResult Run(EmbeddingSet embeddings, IReadOnlyDictionary<string, string> identityOfPath, ClusterSettings settings) =>
        Run(embeddings, identityOfPath, settings, []);

    /// <summary>
    /// As above, plus labelled ids that have no vector (images where the pipeline found no face):
    /// they cannot be clustered, so they count as unassigned singletons, which costs recall for
    /// every other photo of their identity — as in a photo library, where such a face joins nobody.
    /// </summary>
    public static ClusterEvaluationResult Run(
        EmbeddingSet embeddings, IReadOnlyDictionary<string, string> identityOfPath, ClusterSettings settings, IReadOnlyList<string> unembeddedIds)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(identityOfPath);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(unembeddedIds);
        var identities = IdentitiesOf([.. embeddings.Ids, .. unembeddedIds], identityOfPath);
        var clustered = embeddings.Count == 0 ? [] : settings.Run(embeddings.ToVectorSet());
        int[] labels = [.. clustered, .. Enumerable.Repeat(Dbscan.Noise, unembeddedIds.Count)];
        var scores = ClusteringMetrics.Evaluate(ClusteringMetrics.Encode(identities), labels);
        return new ClusterEvaluationResult(scores, identities, labels, unembeddedIds.Count);
    }

    /// <summary>
    /// The identity of each embedding id: the id itself is looked up, and an id of the form
    /// <c>path#n</c> (the n-th face of an image) falls back to <c>path</c>. Every id must resolve.
    /// </summary>
    public static string[] IdentitiesOf(IReadOnlyList<string> ids, IReadOnlyDictionary<string, string> identityOfPath)
    {
        var result = new string[ids.Count];
        var missing = new List<string>();
        for (int i = 0; i < ids.Count; i++)
        {
            if (TryIdentityOf(ids[i], identityOfPath, out var identity))
                result[i] = identity;
            else
                missing.Add(ids[i]);
        }
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{missing.Count} of {ids.Count} embeddings have no label (e.g. '{string.Join("', '", missing.Take(3))}'); " +
                "the labels CSV must list every embedding id (or its path before '#').");
        return result;
    }

    /// <summary>The identity of one embedding id: the id itself, else the image it names (<see cref="EmbeddingSet.ImagePathOf"/>).</summary>
    public static bool TryIdentityOf(string id, IReadOnlyDictionary<string, string> identityOfPath, [MaybeNullWhen(false)] out string identity) =>
        identityOfPath.TryGetValue(id, out identity) || identityOfPath.TryGetValue(EmbeddingSet.ImagePathOf(id), out identity);
}
