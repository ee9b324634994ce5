using Doppel.Matching.Persons;
using FsCheck;
using FsCheck.Xunit;

namespace Doppel.Matching.Tests.Persons;

public class PersonClusteringPropertyTests
{
    [Property(MaxTest = 150)]
    public bool Recluster_never_loses_a_person_a_name_or_a_manual_decision(
        int seed, PositiveInt faces, NonNegativeInt persons, NonNegativeInt pinPercent, NonNegativeInt excludePercent, bool looseThreshold)
    {
        var (faceStates, personList) = PersonStates.Random(
            seed, faces.Get % 60, persons.Get % 6, pinPercent.Get % 101, excludePercent.Get % 60);
        var options = new PersonOptions(MaxDistance: looseThreshold ? 0.9f : 0.4f, MinFaces: 1 + Math.Abs(seed % 4));
        var result = PersonClustering.Recluster(faceStates, personList, options);
        return PersonStates.KeepsManualDecisions(faceStates, personList, result);
    }

    [Property(MaxTest = 150)]
    public bool Incremental_assignment_never_loses_a_person_a_name_or_a_manual_decision(
        int seed, PositiveInt faces, NonNegativeInt persons, NonNegativeInt pinPercent, NonNegativeInt excludePercent, bool looseThreshold)
    {
        var (faceStates, personList) = PersonStates.Random(
            seed, faces.Get % 60, persons.Get % 6, pinPercent.Get % 101, excludePercent.Get % 60);
        var options = new PersonOptions(MaxDistance: looseThreshold ? 0.9f : 0.4f, MinFaces: 1 + Math.Abs(seed % 4));
        var result = PersonClustering.AssignIncremental(faceStates, personList, options);
        // Faces that had a person keep it in incremental mode.
        return PersonStates.KeepsManualDecisions(faceStates, personList, result)
            && faceStates.Where(f => f.PersonId is not null).All(f => result.PersonOfFace[f.FaceId] == f.PersonId);
    }

    [Property(MaxTest = 100)]
    public bool Recluster_is_deterministic(int seed, PositiveInt faces)
    {
        var (faceStates, personList) = PersonStates.Random(seed, faces.Get % 40, 3, 20, 20);
        var a = PersonClustering.Recluster(faceStates, personList);
        var b = PersonClustering.Recluster(faceStates, personList);
        return a.PersonOfFace.OrderBy(kv => kv.Key).SequenceEqual(b.PersonOfFace.OrderBy(kv => kv.Key))
            && a.Persons.SequenceEqual(b.Persons);
    }
}
