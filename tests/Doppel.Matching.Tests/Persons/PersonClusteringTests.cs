using Doppel.Matching.Persons;
using Doppel.Matching.Tests.Clustering;

namespace Doppel.Matching.Tests.Persons;

public class PersonClusteringTests
{
    private static readonly PersonOptions Options = new(MaxDistance: 0.3f, MinFaces: 3);

    /// <summary>Four tight groups of 4 faces (ids 10.., 20.., 30.., 40..) and one lone face (99), in 16-d.</summary>
    private static List<FaceState> Groups()
    {
        var rng = new Random(4);
        var faces = new List<FaceState>();
        foreach (int group in new[] { 10, 20, 30, 40 })
        {
            var centre = ClusteredVectors.RandomUnit(rng, 16);
            for (int m = 0; m < 4; m++)
                faces.Add(new FaceState(group + m, centre.Select(c => c + (float)(0.05 * ClusteredVectors.Gaussian(rng))).ToArray()));
        }
        faces.Add(new FaceState(99, ClusteredVectors.RandomUnit(rng, 16)));
        return faces;
    }

    private static long? PersonOf(PersonAssignment r, long face) => r.PersonOfFace[face];

    [Fact]
    public void New_faces_found_one_person_per_group_and_a_lone_face_waits()
    {
        var result = PersonClustering.AssignIncremental(Groups(), [], Options);
        result.CreatedPersonIds.Count.ShouldBe(4);
        foreach (int group in new[] { 10, 20, 30, 40 })
        {
            var person = PersonOf(result, group);
            person.ShouldNotBeNull();
            Enumerable.Range(group, 4).Select(f => PersonOf(result, f)).ShouldAllBe(p => p == person);
        }
        PersonOf(result, 99).ShouldBeNull();
        result.Persons.Sum(p => p.FaceCount).ShouldBe(16);
    }

    [Fact]
    public void A_waiting_face_founds_a_person_once_later_faces_make_it_core()
    {
        var faces = Groups();
        var first = PersonClustering.AssignIncremental(faces, [], Options);
        PersonOf(first, 99).ShouldBeNull();

        // Two more photos like face 99 arrive; the earlier assignments are persisted as they were.
        var lone = faces.Single(f => f.FaceId == 99).Vector;
        var persons = first.Persons.Select(p => new Person(p.PersonId, p.Name)).ToList();
        var next = faces.Select(f => f with { PersonId = first.PersonOfFace[f.FaceId] }).ToList();
        next.Add(new FaceState(100, lone.Select((x, i) => x + (i % 2 == 0 ? 0.01f : -0.01f)).ToArray()));
        next.Add(new FaceState(101, lone.Select((x, i) => x + (i % 3 == 0 ? 0.02f : 0f)).ToArray()));
        var second = PersonClustering.AssignIncremental(next, persons, Options);

        var created = second.CreatedPersonIds.ShouldHaveSingleItem();
        new long[] { 99, 100, 101 }.Select(f => PersonOf(second, f)).ShouldAllBe(p => p == created);
        faces.Where(f => f.FaceId != 99).ShouldAllBe(f => PersonOf(second, f.FaceId) == PersonOf(first, f.FaceId));
    }

    [Fact]
    public void A_new_face_joins_the_named_person_of_its_nearest_labelled_neighbours()
    {
        var faces = Groups();
        var alice = new Person(7, "Alice");
        // Group 10 is already Alice; face 13 arrives new.
        faces = faces.Select(f => f.FaceId is >= 10 and < 13 ? f with { PersonId = 7 } : f).ToList();
        var result = PersonClustering.AssignIncremental(faces, [alice], Options);
        PersonOf(result, 13).ShouldBe(7);
        result.Persons.Single(p => p.PersonId == 7).ShouldBe(new PersonSummary(7, "Alice", 4, result.Persons.Single(p => p.PersonId == 7).RepresentativeFaceId));
        result.CreatedPersonIds.ShouldNotContain(7);
        result.CreatedPersonIds.ShouldAllBe(id => id > 7);
    }

    [Fact]
    public void A_face_excluded_from_a_person_does_not_join_it_even_as_its_nearest()
    {
        var faces = Groups().Select(f => f.FaceId switch
        {
            >= 10 and < 13 => f with { PersonId = 7 },
            13 => f with { ExcludedPersonIds = new HashSet<long> { 7 } },
            _ => f,
        }).ToList();
        var incremental = PersonClustering.AssignIncremental(faces, [new Person(7, "Alice")], Options);
        PersonOf(incremental, 13).ShouldNotBe(7);
        var recluster = PersonClustering.Recluster(faces, [new Person(7, "Alice")], Options);
        PersonOf(recluster, 13).ShouldNotBe(7);
        PersonOf(recluster, 10).ShouldBe(7);
    }

    [Fact]
    public void Recluster_keeps_ids_and_names_moves_unpinned_faces_and_leaves_pinned_ones()
    {
        // Person 5 "Bob" holds group 20, wrongly face 30 (unpinned), and face 10, which the user pinned.
        // Person 6 "Cy" holds faces 31 and 32. Person 8 "Dee" holds only face 99, pinned, far from all.
        var faces = Groups().Select(f => f.FaceId switch
        {
            >= 20 and < 24 or 30 => f with { PersonId = 5 },
            10 => f with { PersonId = 5, Pinned = true },
            31 or 32 => f with { PersonId = 6 },
            99 => f with { PersonId = 8, Pinned = true },
            _ => f,
        }).ToList();
        var persons = new List<Person> { new(5, "Bob"), new(6, "Cy"), new(8, "Dee"), new(9, "Empty") };
        var result = PersonClustering.Recluster(faces, persons, Options);

        Enumerable.Range(20, 4).Select(f => PersonOf(result, f)).ShouldAllBe(p => p == 5);
        // The cluster holding Bob's pinned face is Bob's.
        Enumerable.Range(10, 4).Select(f => PersonOf(result, f)).ShouldAllBe(p => p == 5);
        // Group 30 is mostly Cy's, so face 30 moves there.
        Enumerable.Range(30, 4).Select(f => PersonOf(result, f)).ShouldAllBe(p => p == 6);
        PersonOf(result, 99).ShouldBe(8);
        // Group 40 had nobody: a new person, numbered above every existing id.
        var created = result.CreatedPersonIds.ShouldHaveSingleItem();
        created.ShouldBe(10);
        Enumerable.Range(40, 4).Select(f => PersonOf(result, f)).ShouldAllBe(p => p == created);
        result.Persons.Select(p => (p.PersonId, p.Name, p.FaceCount)).ShouldBe(
            [(5L, "Bob", 8), (6L, "Cy", 4), (8L, "Dee", 1), (9L, "Empty", 0), (created, null, 4)]);
    }

    [Fact]
    public void One_pinned_face_holds_only_itself_and_the_cluster_stays_with_the_person_most_of_it_belongs_to()
    {
        // Ann holds faces 11–13 of group 10. The user pinned face 10 (a look-alike in the same DBSCAN
        // cluster) to Bob, who also holds group 20. Ann keeps her three faces; Bob keeps his pin.
        var faces = Groups().Select(f => f.FaceId switch
        {
            10 => f with { PersonId = 5, Pinned = true },
            >= 11 and < 14 => f with { PersonId = 7 },
            >= 20 and < 24 => f with { PersonId = 5 },
            _ => f,
        }).ToList();
        var persons = new List<Person> { new(5, "Bob"), new(7, "Ann") };
        var result = PersonClustering.Recluster(faces, persons, Options);

        PersonOf(result, 10).ShouldBe(5);
        new long[] { 11, 12, 13 }.Select(f => PersonOf(result, f)).ShouldAllBe(p => p == 7);
        Enumerable.Range(20, 4).Select(f => PersonOf(result, f)).ShouldAllBe(p => p == 5);
        result.Persons.Single(p => p.PersonId == 7).FaceCount.ShouldBe(3);
        result.Persons.Single(p => p.PersonId == 5).FaceCount.ShouldBe(5);
        PersonStates.KeepsManualDecisions(faces, persons, result).ShouldBeTrue();
    }

    [Fact]
    public void Recluster_with_average_linkage_keeps_the_groups_and_ids_and_a_face_it_left_out_waits()
    {
        // The same state as above, reclustered the way dlib's default does (average linkage): the four groups are tight,
        // so they come out as with DBSCAN; face 99, far from all and pinned, stays Dee's.
        var faces = Groups().Select(f => f.FaceId switch
        {
            >= 20 and < 24 => f with { PersonId = 5 },
            99 => f with { PersonId = 8, Pinned = true },
            _ => f,
        }).ToList();
        var options = Options with { AverageLinkage = true };
        var result = PersonClustering.Recluster(faces, [new(5, "Bob"), new(8, "Dee")], options);
        Enumerable.Range(20, 4).Select(f => PersonOf(result, f)).ShouldAllBe(p => p == 5);
        PersonOf(result, 99).ShouldBe(8);
        foreach (int group in new[] { 10, 30, 40 })
        {
            var person = PersonOf(result, group).ShouldNotBeNull();
            Enumerable.Range(group, 4).Select(f => PersonOf(result, f)).ShouldAllBe(p => p == person);
        }
        result.CreatedPersonIds.Count.ShouldBe(3);

        // A chain a–b–c (neighbours 10° apart, ends 20°) under a 12° cut: DBSCAN makes one person of it and hands the
        // left-out end to its neighbour's person; average linkage keeps the end out and lets it wait.
        FaceState At(long id, double degrees) => new(id, [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180)]);
        List<FaceState> chain = [At(1, 0), At(2, 10), At(3, 20)];
        var cut = new PersonOptions(1f - (float)Math.Cos(12 * Math.PI / 180), 2);
        var dbscan = PersonClustering.Recluster(chain, [], cut);
        dbscan.PersonOfFace.Values.Distinct().ShouldHaveSingleItem().ShouldNotBeNull();
        var average = PersonClustering.Recluster(chain, [], cut with { AverageLinkage = true });
        average.PersonOfFace[1].ShouldNotBeNull();
        average.PersonOfFace[2].ShouldBe(average.PersonOfFace[1]);
        average.PersonOfFace[3].ShouldBeNull();
    }

    [Fact]
    public void Representative_is_the_best_quality_face_when_given_else_the_medoid()
    {
        // Four faces on an arc: 0°, 10°, 20°, 40°; the medoid (most similar to the rest) is the 20° or 10° face.
        float[] At(double degrees) => [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180)];
        var faces = new List<FaceState>
        {
            new(1, At(0), 1), new(2, At(10), 1), new(3, At(20), 1), new(4, At(40), 1),
        };
        // Sum of cosines to the others: face 2 (10°): cos10 + cos10 + cos30 = 2.836; face 3 (20°): cos20 + cos10 + cos20 = 2.864.
        var medoid = PersonClustering.AssignIncremental(faces, [new Person(1)], Options);
        medoid.Persons.Single().RepresentativeFaceId.ShouldBe(3);
        faces[3] = faces[3] with { Quality = 0.9f };
        faces[0] = faces[0] with { Quality = 0.5f };
        var byQuality = PersonClustering.AssignIncremental(faces, [new Person(1)], Options);
        byQuality.Persons.Single().RepresentativeFaceId.ShouldBe(4);
    }

    [Fact]
    public void No_faces_keep_every_person_with_nothing_in_it()
    {
        var result = PersonClustering.Recluster([], [new Person(3, "Ann")]);
        result.PersonOfFace.ShouldBeEmpty();
        result.Persons.ShouldBe([new PersonSummary(3, "Ann", 0, null)]);
        PersonClustering.AssignIncremental([], []).Persons.ShouldBeEmpty();
    }

    [Fact]
    public void Inconsistent_input_is_rejected_with_the_face_named()
    {
        float[] v = [1f, 0f];
        Should.Throw<ArgumentException>(() => PersonClustering.Recluster([new FaceState(1, v, 3)], [])).Message.ShouldContain("person 3");
        Should.Throw<ArgumentException>(() => PersonClustering.Recluster([new FaceState(1, v, Pinned: true)], [])).Message.ShouldContain("pinned");
        Should.Throw<ArgumentException>(() => PersonClustering.Recluster(
            [new FaceState(1, v, 3, ExcludedPersonIds: new HashSet<long> { 3 })], [new Person(3)])).Message.ShouldContain("excluded");
        Should.Throw<ArgumentException>(() => PersonClustering.Recluster([new FaceState(1, v), new FaceState(1, v)], [])).Message.ShouldContain("twice");
        Should.Throw<ArgumentException>(() => PersonClustering.Recluster([new FaceState(1, v), new FaceState(2, [1f, 0f, 0f])], [])).Message.ShouldContain("dimension");
    }
}
