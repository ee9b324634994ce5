namespace Doppel.Storage.Tests;

public class EmbeddingCodecTests
{
    [Fact]
    public void BytesAreFloat32LittleEndian()
    {
        EmbeddingCodec.ToBytes([1f, -2f]).ShouldBe(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 });
        EmbeddingCodec.FromBytes([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]).ShouldBe([1f, -2f]);
    }

    [Fact]
    public void BytesRoundTripExactly()
    {
        var vector = TempCatalog.UnitVector(512, 3);
        EmbeddingCodec.FromBytes(EmbeddingCodec.ToBytes(vector)).ShouldBe(vector);
    }

    [Fact]
    public void JsonTextRoundTripsExactly()
    {
        var vector = TempCatalog.UnitVector(128, 5);
        EmbeddingCodec.FromJson(EmbeddingCodec.ToJson(vector)).ShouldBe(vector);
    }

    [Fact]
    public void ParseReadsEveryStoredForm()
    {
        float[] expected = [0.25f, -0.5f, 0.03f];
        EmbeddingCodec.Parse(EmbeddingCodec.ToBytes(expected)).ShouldBe(expected);
        EmbeddingCodec.Parse("[0.25, -0.5, 3e-2]").ShouldBe(expected);
        // A JSON array that a Python system wrote into a binary column.
        EmbeddingCodec.Parse(System.Text.Encoding.UTF8.GetBytes(" [0.25,-0.5,0.03]\n")).ShouldBe(expected);
    }

    [Fact]
    public void BinaryBlobThatStartsWithABracketIsStillBinaryWhenTheDimensionIsKnown()
    {
        // 0x5B = '[' and 0x5D = ']' at the ends of a genuine float32 buffer.
        byte[] blob = [0x5B, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x80, 0x5D];
        EmbeddingCodec.Parse(blob, expectedDimension: 2).ShouldBe(EmbeddingCodec.FromBytes(blob));
    }

    [Fact]
    public void BadInputIsAClearError()
    {
        Should.Throw<FormatException>(() => EmbeddingCodec.FromBytes([1, 2, 3])).Message.ShouldContain("multiple of 4");
        Should.Throw<FormatException>(() => EmbeddingCodec.FromJson("{\"a\":1}")).Message.ShouldContain("JSON array");
        Should.Throw<FormatException>(() => EmbeddingCodec.FromJson("[1, \"x\"]")).Message.ShouldContain("component 1");
        Should.Throw<FormatException>(() => EmbeddingCodec.FromJson("[1, 2")).Message.ShouldContain("not valid JSON");
        Should.Throw<FormatException>(() => EmbeddingCodec.Parse("[1, 2]", expectedDimension: 3)).Message.ShouldContain("3 were expected");
    }
}
