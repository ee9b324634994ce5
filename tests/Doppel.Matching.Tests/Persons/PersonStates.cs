using Doppel.Matching.Persons;
using Doppel.Matching.Tests.Clustering;

namespace Doppel.Matching.Tests.Persons;

/// <summary>Seeded random person-layer states with manual decisions, for property tests.</summary>
internal static class PersonStates
{
    public static (List<FaceState> Faces, List<Person> Persons) Random(int seed, int faceCount, int personCount, int pinPercent, int excludePercent)
    {
        var rng = new Random(seed);
        var clusters = rng.Next(1, 8);
        var sizes = Enumerable.Range(0, clusters).Select(_ => 1 + faceCount / clusters).ToArray();
        var data = ClusteredVectors.Create(seed, sizes, dimension: 8, spread: rng.NextDouble() * 1.2, outliers: rng.Next(0, 4));
        var persons = Enumerable.Range(0, personCount)
            .Select(p => new Person(100 + p * 3, rng.Next(3) == 0 ? null : $"Person {p}"))
            .ToList();
        var faces = new List<FaceState>();
        for (int i = 0; i < data.Vectors.Count; i++)
        {
            long? person = persons.Count > 0 && rng.Next(2) == 0 ? persons[rng.Next(persons.Count)].PersonId : null;
            bool pinned = person is not null && rng.Next(100) < pinPercent;
            var excluded = new HashSet<long>();
            foreach (var p in persons)
                if (p.PersonId != person && rng.Next(100) < excludePercent)
                    excluded.Add(p.PersonId);
            float? quality = rng.Next(4) == 0 ? (float)rng.NextDouble() : null;
            faces.Add(new FaceState(1000 + i, data.Vectors.Row(i).ToArray(), person, pinned, excluded, quality));
        }
        return (faces, persons);
    }

    /// <summary>The promises the person layer makes, whatever the clustering decides.</summary>
    public static bool KeepsManualDecisions(IReadOnlyList<FaceState> faces, IReadOnlyList<Person> persons, PersonAssignment result)
    {
        var outPersons = result.Persons.ToDictionary(p => p.PersonId);
        // Every person survives with its name.
        if (persons.Any(p => !outPersons.TryGetValue(p.PersonId, out var o) || o.Name != p.Name))
            return false;
        // New persons are new ids.
        if (result.CreatedPersonIds.Any(id => persons.Any(p => p.PersonId == id)))
            return false;
        foreach (var f in faces)
        {
            if (!result.PersonOfFace.TryGetValue(f.FaceId, out var assigned))
                return false;
            if (f.Pinned && assigned != f.PersonId)
                return false;
            if (assigned is long pid && (f.Excludes(pid) || !outPersons.ContainsKey(pid)))
                return false;
        }
        // Counts and representatives agree with the assignment.
        foreach (var p in result.Persons)
        {
            var members = result.PersonOfFace.Where(kv => kv.Value == p.PersonId).Select(kv => kv.Key).ToHashSet();
            if (members.Count != p.FaceCount)
                return false;
            if (p.FaceCount == 0 ? p.RepresentativeFaceId is not null : p.RepresentativeFaceId is not long rep || !members.Contains(rep))
                return false;
        }
        return true;
    }
}
