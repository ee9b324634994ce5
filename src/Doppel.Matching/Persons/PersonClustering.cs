using System.Numerics.Tensors;
using Doppel.Matching.Clustering;

namespace Doppel.Matching.Persons;

/// <summary>
/// Groups faces into persons without ever undoing a user's decision. Pure: state in, result out;
/// the catalog persists it.
/// </summary>
public static class PersonClustering
{
    /// <summary>
    /// Incremental assignment, as immich does it for new faces: each face without a person, core
    /// faces first (at least MinFaces faces, itself included, within MaxDistance), joins the person of
    /// its most similar neighbour that has one; a core face with no such neighbour founds a new
    /// person; a non-core face with none waits (stays null) until later faces make it reachable.
    /// Faces that already have a person keep it.
    /// </summary>
    public static PersonAssignment AssignIncremental(
        IReadOnlyList<FaceState> faces, IReadOnlyList<Person> persons, PersonOptions? options = null, long? firstNewPersonId = null)
    {
        options ??= new PersonOptions();
        var hood = new FaceNeighborhoods(faces, persons, options);
        var personOf = faces.Select(f => f.PersonId).ToArray();
        var ids = new PersonIdSource(hood.PersonIds, firstNewPersonId);

        var deferred = new List<int>();
        for (int i = 0; i < faces.Count; i++)
        {
            if (personOf[i] is not null)
                continue;
            bool core = hood.Of(i).Count + 1 >= options.MinFaces;
            if (!core)
            {
                deferred.Add(i);
                continue;
            }
            personOf[i] = hood.NearestAllowedPerson(i, personOf) ?? ids.Create();
        }
        foreach (int i in deferred)
            personOf[i] = hood.NearestAllowedPerson(i, personOf);
        return Finish(hood, personOf, ids);
    }

    /// <summary>
    /// Full recluster with DBSCAN (eps = MaxDistance, min_samples = MinFaces; or average linkage, <see cref="PersonOptions.AverageLinkage"/>) that keeps every person
    /// id and name: each cluster takes the existing person that most of its labelled faces belong to
    /// (every labelled face counts once, pinned or not); clusters with no labelled face get new
    /// persons. A pin holds only the pinned face: it stays where the user put it, but one pinned
    /// look-alike cannot hand its whole cluster to its person. No face is given a person it was
    /// excluded from (it falls back to its nearest allowed neighbour's person, or waits); noise faces
    /// join the person of their nearest assigned neighbour within MaxDistance, or wait.
    /// </summary>
    public static PersonAssignment Recluster(
        IReadOnlyList<FaceState> faces, IReadOnlyList<Person> persons, PersonOptions? options = null, long? firstNewPersonId = null)
    {
        options ??= new PersonOptions();
        var hood = new FaceNeighborhoods(faces, persons, options);
        var ids = new PersonIdSource(hood.PersonIds, firstNewPersonId);
        int n = faces.Count;
        var labels = options.AverageLinkage
            ? AverageClustering.Cluster(hood.Vectors, options.MaxDistance, options.LevelOffsets, options.Search)
            : Dbscan.Cluster(hood.ToGraph(), options.MinFaces);

        // Overlap of each cluster with each current person: one vote per labelled face. Pins get no
        // extra weight, or a single pinned face would take its person's whole cluster from the
        // person that holds most of it.
        var overlap = new Dictionary<(int Cluster, long Person), int>();
        for (int i = 0; i < n; i++)
            if (labels[i] >= 0 && faces[i].PersonId is long pid)
            {
                var key = (labels[i], pid);
                overlap[key] = overlap.GetValueOrDefault(key) + 1;
            }
        // Each cluster goes to its best-overlapping person (ties: lower id). A person may take several
        // clusters: persons a user merged stay merged, and one person's faces may span several modes.
        var personOfCluster = new Dictionary<int, long>();
        foreach (var group in overlap.GroupBy(o => o.Key.Cluster))
            personOfCluster[group.Key] = group.OrderByDescending(o => o.Value).ThenBy(o => o.Key.Person).First().Key.Person;

        var personOf = new long?[n];
        for (int i = 0; i < n; i++)
            if (faces[i].Pinned)
                personOf[i] = faces[i].PersonId;
        var fallback = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (faces[i].Pinned)
                continue;
            if (labels[i] < 0)
            {
                // Average linkage already weighed this face against every person near it and kept it out.
                if (!options.AverageLinkage)
                    fallback.Add(i);
                continue;
            }
            if (!personOfCluster.TryGetValue(labels[i], out var person))
                personOfCluster[labels[i]] = person = ids.Create();
            if (faces[i].Excludes(person))
                fallback.Add(i);
            else
                personOf[i] = person;
        }
        foreach (int i in fallback)
            personOf[i] = hood.NearestAllowedPerson(i, personOf);
        return Finish(hood, personOf, ids);
    }

    private static PersonAssignment Finish(FaceNeighborhoods hood, long?[] personOf, PersonIdSource ids)
    {
        var faces = hood.Faces;
        var map = new Dictionary<long, long?>(faces.Count);
        var members = new Dictionary<long, List<int>>();
        for (int i = 0; i < faces.Count; i++)
        {
            map[faces[i].FaceId] = personOf[i];
            if (personOf[i] is long pid)
            {
                if (!members.TryGetValue(pid, out var list))
                    members[pid] = list = [];
                list.Add(i);
            }
        }
        var summaries = new List<PersonSummary>();
        foreach (var person in hood.Persons.Select(p => (p.PersonId, p.Name)).Concat(ids.Created.Select(id => (PersonId: id, Name: (string?)null))))
        {
            var list = members.GetValueOrDefault(person.PersonId) ?? [];
            summaries.Add(new PersonSummary(person.PersonId, person.Name, list.Count, Representative(hood, list)));
        }
        return new PersonAssignment(map, summaries, ids.Created);
    }

    /// <summary>The best-quality face when qualities are given, else the medoid (highest total similarity to the others).</summary>
    internal static long? Representative(FaceNeighborhoods hood, IReadOnlyList<int> members)
    {
        if (members.Count == 0)
            return null;
        var faces = hood.Faces;
        if (members.Any(i => faces[i].Quality is not null))
            return faces[members.OrderByDescending(i => faces[i].Quality ?? float.NegativeInfinity).ThenBy(i => faces[i].FaceId).First()].FaceId;
        int best = members[0];
        double bestSum = double.NegativeInfinity;
        foreach (int i in members)
        {
            double sum = 0;
            foreach (int j in members)
                if (j != i)
                    sum += TensorPrimitives.Dot(hood.Vectors.Row(i), hood.Vectors.Row(j));
            if (sum > bestSum || (sum == bestSum && faces[i].FaceId < faces[best].FaceId))
            {
                bestSum = sum;
                best = i;
            }
        }
        return faces[best].FaceId;
    }

    /// <summary>Fresh person ids above every existing one (or from a caller-given start).</summary>
    private sealed class PersonIdSource(HashSet<long> existing, long? first)
    {
        private long _next = first ?? (existing.Count == 0 ? 1 : existing.Max() + 1);

        public List<long> Created { get; } = [];

        public long Create()
        {
            while (existing.Contains(_next))
                _next++;
            Created.Add(_next);
            return _next++;
        }
    }
}
