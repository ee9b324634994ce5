using Doppel.Application.Sets;
using Doppel.Jobs;
using Doppel.Storage;

namespace Doppel.Application.Recognition;

/// <summary>The answer of a verification: the cosine of the two faces, a 0–1 confidence (<see cref="Confidence"/>:
/// 0.5 at the profile's verification threshold), and the decision at that threshold.</summary>
public sealed record VerifyOutcome(float Similarity, float Confidence, bool Same, float Threshold, string Model, ProbeFace First, long? MatchedFaceId);

/// <summary>
/// Use case "verify" (CompreFace's verification): are these two photos the same person, or is this photo a given
/// person of the tenant (the best of the person's stored faces under the same model version)? Synchronous, nothing
/// stored; the caller's photos are files the service wrote or keys in its media folder. A person of another tenant is
/// <see cref="NotFoundException"/>.
/// </summary>
public sealed class VerifyHandler(IDoppelDatabase db, TenantId tenant, IImageAnalyzer analyzer)
{
    /// <summary>A person's faces compared at most (their newest): a person is verified against a sample this large.</summary>
    public const int MaxPersonFaces = 500;

    public async Task<VerifyOutcome> TwoImagesAsync(string first, string second, CancellationToken cancellationToken = default)
    {
        var a = await ProbeFace.AnalyseAsync(analyzer, first, "The first image", cancellationToken).ConfigureAwait(false);
        var b = await ProbeFace.AnalyseAsync(analyzer, second, "The second image", cancellationToken).ConfigureAwait(false);
        return Outcome(ProbeFace.Cosine(a.Vector, b.Vector), a, null);
    }

    public async Task<VerifyOutcome> ImageAndPersonAsync(string image, long personId, CancellationToken cancellationToken = default)
    {
        var stores = db.For(tenant);
        _ = await stores.Persons.GetAsync(personId, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException($"No person {personId}.");
        var faces = (await stores.Faces.ListAsync(Page.All, cancellationToken).ConfigureAwait(false))
            .Where(f => (f.PinnedPersonId ?? f.PersonId) == personId).OrderByDescending(f => f.Id).Take(MaxPersonFaces).ToList();
        var probe = await ProbeFace.AnalyseAsync(analyzer, image, "The image", cancellationToken).ConfigureAwait(false);
        float best = float.NegativeInfinity;
        long? bestFace = null;
        foreach (var face in faces)
            foreach (var e in await stores.Faces.GetEmbeddingsAsync(face.Id, cancellationToken).ConfigureAwait(false))
                if (e.Model == analyzer.EmbeddingModel && e.ModelVersion == analyzer.EmbeddingModelVersion && ProbeFace.Cosine(probe.Vector, e.Vector) is var s && s > best)
                    (best, bestFace) = (s, face.Id);
        if (bestFace is null)
            throw new ConflictException($"Person {personId} has no face with a vector of {analyzer.EmbeddingModel} (version {analyzer.EmbeddingModelVersion}); process its images again to compare.");
        return Outcome(best, probe, bestFace);
    }

    private VerifyOutcome Outcome(float cosine, ProbeFace first, long? matched)
    {
        // Verification's own threshold (a raw cosine fitted on LFW's pairs: dlib 0.9156 with flip), not the dedup one.
        float threshold = analyzer.Profile.VerificationThreshold;
        return new VerifyOutcome(cosine, Confidence.Of(cosine, threshold), cosine >= threshold, threshold, analyzer.EmbeddingModel, first, matched);
    }
}
