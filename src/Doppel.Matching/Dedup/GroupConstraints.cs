namespace Doppel.Matching;

/// <summary>
/// Cannot-link bookkeeping per growing group (keyed by union-find root): the images its faces come
/// from and the faces a reviewer said are different from one of its members. A merge is allowed when
/// the two groups share no image and neither holds a face the other must not meet. Sets are merged
/// small into large, so the total work stays near-linear.
/// </summary>
internal sealed class GroupConstraints
{
    private readonly IReadOnlyList<long>? _imageOfFace;
    private readonly IgnoreList? _ignore;
    private readonly IReadOnlyList<long>? _faceIds;
    private readonly Dictionary<long, int>? _rowOfId;
    private readonly HashSet<long>?[] _images;
    private readonly List<int>?[] _cannotMeet;

    public GroupConstraints(int faceCount, IReadOnlyList<long>? imageOfFace, IgnoreList? ignore, IReadOnlyList<long>? faceIds)
    {
        _imageOfFace = imageOfFace;
        _ignore = ignore is { Count: > 0 } ? ignore : null;
        _faceIds = faceIds;
        _images = new HashSet<long>?[faceCount];
        _cannotMeet = new List<int>?[faceCount];
        if (_ignore is not null && faceIds is not null)
        {
            _rowOfId = new Dictionary<long, int>(faceCount);
            for (int i = 0; i < faceCount; i++)
                if (!_rowOfId.TryAdd(faceIds[i], i))
                    throw new ArgumentException($"Face id {faceIds[i]} occurs twice.", nameof(faceIds));
        }
        for (int i = 0; i < faceCount; i++)
        {
            if (imageOfFace is not null)
                _images[i] = [imageOfFace[i]];
            if (_ignore is not null)
            {
                foreach (long partner in _ignore.PartnersOf(KeyOf(i)))
                {
                    int row = RowOf(partner);
                    if (row >= 0)
                        (_cannotMeet[i] ??= []).Add(row);
                }
            }
        }
    }

    public bool CanMerge(int rootA, int rootB, UnionFind sets)
    {
        if (_imageOfFace is not null)
        {
            var (small, large) = _images[rootA]!.Count <= _images[rootB]!.Count ? (_images[rootA]!, _images[rootB]!) : (_images[rootB]!, _images[rootA]!);
            foreach (long image in small)
                if (large.Contains(image))
                    return false;
        }
        if (_ignore is not null)
        {
            if (_cannotMeet[rootA] is { } fromA)
                foreach (int row in fromA)
                    if (sets.Find(row) == rootB)
                        return false;
            if (_cannotMeet[rootB] is { } fromB)
                foreach (int row in fromB)
                    if (sets.Find(row) == rootA)
                        return false;
        }
        return true;
    }

    /// <summary>Whether two faces may never share a group: the same image, or an ignored pair. Reads the
    /// per-face constraints, so it holds only while no merge was recorded (<see cref="Merged"/>).</summary>
    public bool CannotLink(int a, int b) =>
        (_imageOfFace is not null && _imageOfFace[a] == _imageOfFace[b]) || (_cannotMeet[a]?.Contains(b) ?? false);

    /// <summary>Moves the absorbed root's constraints onto the surviving root.</summary>
    public void Merged(int root, int absorbed)
    {
        if (_imageOfFace is not null)
        {
            var (into, from) = (_images[root]!, _images[absorbed]!);
            if (into.Count < from.Count)
                (into, from) = (from, into);
            into.UnionWith(from);
            _images[root] = into;
            _images[absorbed] = null;
        }
        if (_cannotMeet[absorbed] is { } moved)
        {
            var target = _cannotMeet[root];
            if (target is null || target.Count < moved.Count)
            {
                moved.AddRange(target ?? []);
                _cannotMeet[root] = moved;
            }
            else
                target.AddRange(moved);
            _cannotMeet[absorbed] = null;
        }
    }

    private long KeyOf(int row) => _faceIds is null ? row : _faceIds[row];

    private int RowOf(long key)
    {
        if (_rowOfId is not null)
            return _rowOfId.TryGetValue(key, out int row) ? row : -1;
        return key >= 0 && key < _images.Length ? (int)key : -1;
    }
}
