using Doppel.Matching.IO;
using Doppel.Testing;

namespace Doppel.Matching.Tests.IO;

public class EmbeddingFilesTests
{
    private static EmbeddingSet Sample() =>
        new(["lfw/Ann/Ann_0001.jpg", "lfw/Bob/Bob_0001.jpg#1", "x,y \"quoted\""], [0.1f, -0.2f, 0.3f, 1f, 2f, 3f, -1e-7f, 0f, 5.5f], 3);

    [Fact]
    public void Npy_with_ids_file_round_trips()
    {
        var path = Path.Combine(RepoPaths.NewTempDir(), "emb.npy");
        var set = Sample();
        EmbeddingFiles.WriteNpy(set, path);
        File.ReadAllLines(Path.ChangeExtension(path, ".ids.txt")).ShouldBe(set.Ids.ToArray());
        var back = EmbeddingFiles.Read(path);
        back.Ids.ShouldBe(set.Ids);
        back.Vectors.ShouldBe(set.Vectors);
        back.Dimension.ShouldBe(3);
    }

    [Fact]
    public void Jsonl_round_trips_exactly()
    {
        var path = Path.Combine(RepoPaths.NewTempDir(), "emb.jsonl");
        var set = Sample();
        EmbeddingFiles.WriteJsonl(set, path);
        File.ReadAllLines(path).Length.ShouldBe(3);
        var back = EmbeddingFiles.Read(path);
        back.Ids.ShouldBe(set.Ids);
        back.Vectors.ShouldBe(set.Vectors);
    }

    [Fact]
    public void Npy_ids_can_come_from_a_jsonl_file()
    {
        var dir = RepoPaths.NewTempDir();
        var npy = Path.Combine(dir, "emb.npy");
        new NpyMatrix([1f, 2f, 3f, 4f], 2, 2).Write(npy);
        var ids = Path.Combine(dir, "faces.jsonl");
        File.WriteAllLines(ids, ["{\"id\": \"a.jpg\", \"box\": [1, 2, 3, 4]}", "", "{\"id\": 17}"]);
        EmbeddingFiles.Read(npy, ids).Ids.ShouldBe(["a.jpg", "17"]);
    }

    [Fact]
    public void Mismatched_or_missing_ids_are_clear_errors()
    {
        var dir = RepoPaths.NewTempDir();
        var npy = Path.Combine(dir, "emb.npy");
        new NpyMatrix([1f, 2f, 3f, 4f], 2, 2).Write(npy);
        Should.Throw<FileNotFoundException>(() => EmbeddingFiles.Read(npy)).Message.ShouldContain("emb.ids.txt");
        File.WriteAllLines(Path.Combine(dir, "emb.ids.txt"), ["only-one"]);
        Should.Throw<InvalidDataException>(() => EmbeddingFiles.Read(npy)).Message.ShouldContain("1 ids but");
        File.WriteAllLines(Path.Combine(dir, "emb.ids.txt"), ["same", "same"]);
        Should.Throw<ArgumentException>(() => EmbeddingFiles.Read(npy)).Message.ShouldContain("more than once");
    }

    [Fact]
    public void Jsonl_with_ragged_or_bad_vectors_names_the_line()
    {
        var path = Path.Combine(RepoPaths.NewTempDir(), "bad.jsonl");
        File.WriteAllLines(path, ["{\"id\": \"a\", \"vector\": [1, 2]}", "{\"id\": \"b\", \"vector\": [1, 2, 3]}"]);
        Should.Throw<InvalidDataException>(() => EmbeddingFiles.Read(path)).Message.ShouldContain(":2:");
        File.WriteAllLines(path, ["{\"id\": \"a\", \"vector\": [1, \"x\"]}"]);
        Should.Throw<InvalidDataException>(() => EmbeddingFiles.Read(path)).Message.ShouldContain("non-number");
        File.WriteAllLines(path, ["{\"id\": \"a\", \"vector\": [1, 2]"]);
        Should.Throw<InvalidDataException>(() => EmbeddingFiles.Read(path)).Message.ShouldContain("not valid JSON");
    }

    [Fact]
    public void Unknown_extension_is_rejected()
    {
        var path = Path.Combine(RepoPaths.NewTempDir(), "emb.csv");
        File.WriteAllText(path, "1,2\n");
        Should.Throw<ArgumentException>(() => EmbeddingFiles.Read(path)).Message.ShouldContain(".npy");
    }

    [Fact]
    public void Vector_set_rows_are_normalised_and_indexed_by_row()
    {
        var set = new EmbeddingSet(["a", "b"], [3f, 4f, 0f, 2f], 2).ToVectorSet();
        set.Row(0).ToArray().ShouldBe([0.6f, 0.8f]);
        set.Id(1).ShouldBe(1);
    }
}
