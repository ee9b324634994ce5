using Doppel.Storage;

namespace Doppel.Jobs.Persons;

/// <summary>A reviewer's merge or split that names faces no longer in the catalog: their photo changed
/// or was detected again, which replaced its faces with new ones (new ids: face ids are never reused).
/// The decision still holds for <see cref="FacesStillThere"/>; the gone ones are reported, never
/// removed from the history, and never applied to a face that replaced them.</summary>
public sealed record StaleDecision(PersonDecision Decision, string? PersonName, IReadOnlyList<long> GoneFaceIds, int FacesStillThere)
{
    /// <summary>The decisions, oldest first, that name at least one face not in <paramref name="existingFaceIds"/>.</summary>
    public static IReadOnlyList<StaleDecision> Find(IReadOnlyList<PersonDecision> decisions, IReadOnlySet<long> existingFaceIds, Func<long, string?> nameOfPerson)
    {
        var stale = new List<StaleDecision>();
        foreach (var decision in decisions)
        {
            var gone = decision.FaceIds.Where(id => !existingFaceIds.Contains(id)).ToList();
            if (gone.Count > 0)
                stale.Add(new StaleDecision(decision, nameOfPerson(decision.PersonId), gone, decision.FaceIds.Count - gone.Count));
        }
        return stale;
    }

    /// <summary>E.g. "split 4 (person 9 'Ann' from person 3): face 15 gone, 1 face still there".</summary>
    public string Describe()
    {
        var d = Decision;
        string person = $"person {d.PersonId}{Quoted(PersonName)}", other = $"person {d.OtherPersonId}{Quoted(d.OtherName)}";
        var what = d.Kind == PersonDecisionKind.Split ? $"split {d.Id} ({person} from {other})" : $"merge {d.Id} ({other} into {person})";
        var gone = GoneFaceIds.Count == 1 ? $"face {GoneFaceIds[0]}" : $"faces {string.Join(", ", GoneFaceIds)}";
        var left = FacesStillThere switch { 0 => "no face", 1 => "1 face", var n => $"{n} faces" };
        return $"{what}: {gone} gone, {left} still there";
    }

    /// <summary>The lines a command prints after recognising or reclustering: nothing when every decision's faces exist.</summary>
    public static IEnumerable<string> Report(IReadOnlyList<StaleDecision> stale)
    {
        if (stale.Count == 0)
            yield break;
        yield return $"{stale.Count} manual decision{(stale.Count == 1 ? " names" : "s name")} faces that no longer exist " +
                     "(their photos changed or were detected again; the new faces inherit nothing); each still holds for its other faces:";
        foreach (var s in stale)
            yield return "  " + s.Describe();
    }

    private static string Quoted(string? name) => name is null ? "" : $" '{name}'";
}
