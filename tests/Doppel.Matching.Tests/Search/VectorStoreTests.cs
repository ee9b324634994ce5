using Doppel.Testing;

namespace Doppel.Matching.Tests.Search;

public class VectorStoreTests
{
    [Fact]
    public void Float32_store_round_trips_ids_and_coordinates_bit_for_bit()
    {
        var set = RandomVectors.Gaussian(257, 33, seed: 4, firstId: 5_000_000_000);
        var path = Path.Combine(RepoPaths.NewTempDir(), "v.dvs");
        VectorStoreFile.Save(set, path);
        var loaded = VectorStoreFile.Load(path);
        loaded.Count.ShouldBe(257);
        loaded.Dimension.ShouldBe(33);
        loaded.Id(256).ShouldBe(5_000_000_256);
        loaded.Data.SequenceEqual(set.Data).ShouldBeTrue("coordinates differ");
    }

    [Theory]
    [InlineData(VectorEncoding.Float16, 2 * 128 + 8, 0.002)]
    [InlineData(VectorEncoding.Int8, 128 + 4 + 8, 0.01)]
    public void Compact_encodings_shrink_storage_and_keep_similarities_close(VectorEncoding encoding, int bytesPerVector, double maxSimilarityError)
    {
        var (set, _) = SyntheticEmbeddings.Generate(2000, 128, seed: 9);
        var path = Path.Combine(RepoPaths.NewTempDir(), "v.dvs");
        VectorStoreFile.Save(set, path, encoding);
        var compact = VectorStoreFile.LoadCompact(path);
        compact.Encoding.ShouldBe(encoding);
        compact.BytesPerVector.ShouldBe(bytesPerVector);
        var decoded = compact.ToVectorSet();
        double worst = 0;
        for (int r = 0; r < 200; r++)
            for (int c = 0; c < 200; c++)
                worst = Math.Max(worst, Math.Abs(BruteForce.Dot(set.Row(r), set.Row(c)) - BruteForce.Dot(decoded.Row(r), decoded.Row(c))));
        worst.ShouldBeLessThan(maxSimilarityError);

        // Pair recall of a threshold join on decoded vectors against float32.
        var exact = ExactJoin.SelfJoin(set, 0.5f).Select(p => (p.A, p.B)).ToHashSet();
        var approx = ExactJoin.SelfJoin(decoded, 0.5f).Select(p => (p.A, p.B)).ToHashSet();
        (exact.Count(approx.Contains) / (double)exact.Count).ShouldBeGreaterThanOrEqualTo(0.99);
    }

    [Fact]
    public void Damaged_store_files_fail_with_a_clear_message()
    {
        var set = RandomVectors.Gaussian(100, 8, seed: 1);
        var path = Path.Combine(RepoPaths.NewTempDir(), "v.dvs");
        VectorStoreFile.Save(set, path, VectorEncoding.Int8);
        var bytes = File.ReadAllBytes(path);
        bytes[40] ^= 1;
        File.WriteAllBytes(path, bytes);
        Should.Throw<InvalidDataException>(() => VectorStoreFile.Load(path)).Message.ShouldContain("checksum");
        File.WriteAllBytes(path, bytes[..30]);
        Should.Throw<InvalidDataException>(() => VectorStoreFile.Load(path)).Message.ShouldContain("truncated");
    }

    [Fact]
    public void Npy_matrix_and_labels_round_trip()
    {
        var (set, labels) = SyntheticEmbeddings.Generate(300, 16, seed: 2);
        var dir = RepoPaths.NewTempDir();
        NpyFile.WriteMatrix(Path.Combine(dir, "x.npy"), set);
        NpyFile.WriteInt32(Path.Combine(dir, "y.npy"), labels);
        var back = NpyFile.ReadMatrix(Path.Combine(dir, "x.npy"));
        back.Count.ShouldBe(set.Count);
        TensorPrimitivesMaxDifference(back.Data, set.Data).ShouldBeLessThan(1e-6f);
        NpyFile.ReadInt32(Path.Combine(dir, "y.npy")).ShouldBe(labels);
        Should.Throw<InvalidDataException>(() => NpyFile.ReadMatrix(Path.Combine(dir, "y.npy"))).Message.ShouldContain("float32");
    }

    private static float TensorPrimitivesMaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float worst = 0;
        for (int i = 0; i < a.Length; i++)
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        return worst;
    }

    [Fact]
    public void Synthetic_embeddings_have_the_stated_similarity_profile()
    {
        var (set, labels) = SyntheticEmbeddings.Generate(4000, 128, seed: 1);
        double intra = 0, inter = 0, interSq = 0;
        int nIntra = 0, nInter = 0;
        for (int a = 0; a < 800; a++)
            for (int b = a + 1; b < 800; b++)
            {
                double s = BruteForce.Dot(set.Row(a), set.Row(b));
                if (labels[a] == labels[b]) { intra += s; nIntra++; }
                else { inter += s; interSq += s * s; nInter++; }
            }
        (intra / nIntra).ShouldBeInRange(0.6, 0.8);
        (inter / nInter).ShouldBeInRange(-0.01, 0.01);
        Math.Sqrt(interSq / nInter).ShouldBeInRange(0.07, 0.11); // 1/sqrt(128) = 0.088
        labels.GroupBy(l => l).Max(g => g.Count()).ShouldBeLessThanOrEqualTo(SyntheticEmbeddings.MaxIdentitySize);
    }
}
