namespace Doppel.Matching.Persons;

/// <summary>
/// Validated input of the person layer and each face's neighbours within the distance limit, most
/// similar first. Row i of <see cref="Vectors"/> is <c>Faces[i]</c>.
/// </summary>
internal sealed class FaceNeighborhoods
{
    private readonly List<(int Face, float Similarity)>[] _neighbors;

    public FaceNeighborhoods(IReadOnlyList<FaceState> faces, IReadOnlyList<Person> persons, PersonOptions options)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(persons);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Faces = faces;
        Persons = persons;
        PersonIds = new HashSet<long>();
        foreach (var p in persons)
            if (!PersonIds.Add(p.PersonId))
                throw new ArgumentException($"Person id {p.PersonId} occurs twice.");
        var faceIds = new HashSet<long>();
        int dimension = faces.Count == 0 ? 1 : faces[0].Vector.Length;
        foreach (var f in faces)
        {
            if (!faceIds.Add(f.FaceId))
                throw new ArgumentException($"Face id {f.FaceId} occurs twice.");
            if (f.Vector is null || f.Vector.Length != dimension || dimension == 0)
                throw new ArgumentException($"Face {f.FaceId} has a vector of dimension {f.Vector?.Length ?? 0}, expected {dimension}.");
            if (f.Pinned && f.PersonId is null)
                throw new ArgumentException($"Face {f.FaceId} is pinned but has no person.");
            if (f.PersonId is long pid && !PersonIds.Contains(pid))
                throw new ArgumentException($"Face {f.FaceId} belongs to person {pid}, which is not in the person list.");
            if (f.PersonId is long own && f.Excludes(own))
                throw new ArgumentException($"Face {f.FaceId} is in person {own} but also excluded from it.");
        }

        Vectors = new VectorSet(dimension, Math.Max(faces.Count, 1));
        foreach (var f in faces)
            Vectors.Add(f.FaceId, f.Vector);
        _neighbors = new List<(int, float)>[faces.Count];
        for (int i = 0; i < faces.Count; i++)
            _neighbors[i] = [];
        foreach (var pair in options.Search.SelfJoin(Vectors, 1f - options.MaxDistance))
        {
            _neighbors[pair.A].Add((pair.B, pair.Score));
            _neighbors[pair.B].Add((pair.A, pair.Score));
        }
        foreach (var list in _neighbors)
            list.Sort((x, y) => y.Similarity != x.Similarity ? y.Similarity.CompareTo(x.Similarity) : x.Face.CompareTo(y.Face));
    }

    public IReadOnlyList<FaceState> Faces { get; }
    public IReadOnlyList<Person> Persons { get; }
    public HashSet<long> PersonIds { get; }
    public VectorSet Vectors { get; }

    /// <summary>Neighbours of face row <paramref name="face"/> (itself excluded), most similar first.</summary>
    public IReadOnlyList<(int Face, float Similarity)> Of(int face) => _neighbors[face];

    /// <summary>The person of the most similar neighbour that has one the face is not excluded from.</summary>
    public long? NearestAllowedPerson(int face, long?[] personOf)
    {
        foreach (var (neighbor, _) in _neighbors[face])
            if (personOf[neighbor] is long pid && !Faces[face].Excludes(pid))
                return pid;
        return null;
    }

    public Clustering.NeighborGraph ToGraph()
    {
        var pairs = new List<ScoredPair>();
        for (int i = 0; i < _neighbors.Length; i++)
            foreach (var (j, s) in _neighbors[i])
                if (i < j)
                    pairs.Add(new ScoredPair(i, j, s));
        return Clustering.NeighborGraph.FromPairs(_neighbors.Length, pairs);
    }
}
