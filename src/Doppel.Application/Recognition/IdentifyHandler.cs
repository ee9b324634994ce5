using Doppel.Application.Sets;
using Doppel.Jobs;
using Doppel.Storage;

namespace Doppel.Application.Recognition;

/// <summary>One candidate of an identification: an image of the group's approved sets and how close its best face is.</summary>
public sealed record IdentifyCandidate(string ReferencePk, string Filename, long FaceId, float Similarity, float Confidence);

public sealed record IdentifyOutcome(ProbeFace Probe, IReadOnlyList<IdentifyCandidate> Candidates, int Gallery, float Threshold, string Model);

/// <summary>
/// Use case "identify" (CompreFace's recognition): one photo against a group's approved gallery (the images of its
/// approved sets, HOPE's reference data), the top <c>k</c> images by their best face's cosine, each with a
/// 0–1 confidence (0.5 at the profile's verification threshold). Synchronous, nothing stored. Only vectors of the analyzer's model version are compared; a gallery
/// image analysed by another version is left out (its set is processed again to join). Another tenant's group is
/// <see cref="NotFoundException"/>.
/// </summary>
public sealed class IdentifyHandler(IDoppelDatabase db, TenantId tenant, IImageAnalyzer analyzer)
{
    public const int MaxTop = 100;

    public async Task<IdentifyOutcome> HandleAsync(string image, string groupKey, int top, float? minConfidence, CancellationToken cancellationToken = default)
    {
        if (top is < 1 or > MaxTop)
            throw new ValidationException($"top must be from 1 to {MaxTop}.");
        var sets = db.SetsFor(tenant);
        var group = await sets.FindGroupAsync(groupKey, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException($"No group '{groupKey}'.");
        var gallery = (await sets.ListReferenceImagesAsync(group.Id, cancellationToken).ConfigureAwait(false))
            .Where(i => i.StatusCode == 200 && i.MediaId is not null).ToList();
        var imagesOfMedia = gallery.GroupBy(i => i.MediaId!.Value).ToDictionary(g => g.Key, g => g.ToList());
        var stores = db.For(tenant);
        var mediaOfFace = (await stores.Faces.ListOfMediaAsync(imagesOfMedia.Keys.ToList(), cancellationToken).ConfigureAwait(false)).ToDictionary(f => f.Id, f => f.MediaId);
        var probe = await ProbeFace.AnalyseAsync(analyzer, image, "The image", cancellationToken).ConfigureAwait(false);

        // Best face per gallery media.
        var best = new Dictionary<long, (float Score, long FaceId)>();
        if (mediaOfFace.Count > 0)
            await foreach (var e in stores.Faces.ReadEmbeddingsAsync(analyzer.EmbeddingModel, cancellationToken).ConfigureAwait(false))
            {
                if (e.ModelVersion != analyzer.EmbeddingModelVersion || !mediaOfFace.TryGetValue(e.FaceId, out var media))
                    continue;
                float s = ProbeFace.Cosine(probe.Vector, e.Vector);
                if (!best.TryGetValue(media, out var b) || s > b.Score)
                    best[media] = (s, e.FaceId);
            }
        // Verification's own threshold (a raw cosine fitted on LFW's pairs: dlib 0.9156 with flip), not the dedup one.
        float threshold = analyzer.Profile.VerificationThreshold;
        var candidates = best
            .SelectMany(kv => imagesOfMedia[kv.Key].Select(i => new IdentifyCandidate(i.ReferencePk, i.Filename, kv.Value.FaceId, kv.Value.Score, Confidence.Of(kv.Value.Score, threshold))))
            .Where(c => minConfidence is not float min || c.Confidence >= min)
            .OrderByDescending(c => c.Similarity).ThenBy(c => c.ReferencePk, StringComparer.Ordinal)
            .Take(top).ToList();
        return new IdentifyOutcome(probe, candidates, gallery.Count, threshold, analyzer.EmbeddingModel);
    }
}
