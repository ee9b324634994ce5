namespace Doppel.Jobs.Persons;

/// <summary>What a recognise or recluster run changed, and the reviewer's decisions that name faces
/// which are gone (see <see cref="StaleDecision"/>).</summary>
public sealed record RecognizeOutcome(int Faces, int Assigned, int Waiting, int Persons, int CreatedPersons, IReadOnlyList<StaleDecision> StaleDecisions)
{
    /// <summary>Faces left out because their quality is below the run's minimum quality.</summary>
    public int LowQuality { get; init; }
}
