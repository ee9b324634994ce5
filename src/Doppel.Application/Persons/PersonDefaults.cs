using Doppel.Matching.Clustering;
using Doppel.Matching.Persons;
using Doppel.Vision.Embedding;

namespace Doppel.Application.Persons;

/// <summary>
/// The persons settings of a recogniser when none are given: <see cref="ClusterDefaults"/>' tuned rows, with
/// recluster's average-linkage cut read from the recogniser's profile (<see cref="RecognitionProfile.PersonsMaxDistance"/>,
/// the dedup's group cut as a levelled distance), so persons cut where the dedup's groups do and the number is derived
/// once. The CLI and the service take their defaults here.
/// </summary>
public static class PersonDefaults
{
    /// <summary><c>recognize</c>: incremental assignment with the model's tuned values.</summary>
    public static PersonOptions Recognize(string? model) => ClusterDefaults.Recognize(model);

    /// <summary><c>recluster</c>: average linkage at the profile's persons cut for a recogniser whose profile normalises its
    /// scores (dlib, faceres, the licence-clean fusion: persons are then what the dedup's groups are), DBSCAN at the tuned
    /// distance for the others.</summary>
    public static PersonOptions Recluster(string? model) =>
        model is not null && RecognitionProfiles.For(model) is { Measured: true, Normalisation: not null } profile
            ? new PersonOptions(profile.PersonsMaxDistance, 2) { AverageLinkage = true }
            : ClusterDefaults.Recluster(model);
}
