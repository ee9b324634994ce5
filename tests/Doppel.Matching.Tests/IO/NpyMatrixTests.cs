using System.Buffers.Binary;
using System.Text;
using Doppel.Matching.IO;
using Doppel.Testing;

namespace Doppel.Matching.Tests.IO;

public class NpyMatrixTests
{
    /// <summary>A .npy file as numpy writes it: magic, version, header length, dict padded with spaces and '\n', data.</summary>
    private static byte[] NpyBytes(string descr, bool fortran, string shape, byte[] data, byte major = 1)
    {
        var dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        int prefix = 6 + 2 + (major == 1 ? 2 : 4);
        int padding = (64 - (prefix + dict.Length + 1) % 64) % 64;
        var header = Encoding.ASCII.GetBytes(dict + new string(' ', padding) + "\n");
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0]);
        if (major == 1)
            ms.Write(BitConverter.GetBytes((ushort)header.Length));
        else
            ms.Write(BitConverter.GetBytes((uint)header.Length));
        ms.Write(header);
        ms.Write(data);
        return ms.ToArray();
    }

    private static byte[] Doubles(params double[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
        return bytes;
    }

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    [Fact]
    public void Float32_round_trips_through_a_file()
    {
        var path = Path.Combine(RepoPaths.NewTempDir(), "m.npy");
        var matrix = new NpyMatrix([1f, -2.5f, 3.25f, 1e-8f, float.MaxValue, 0f], 2, 3);
        matrix.Write(path);
        var back = NpyMatrix.Read(path);
        back.Rows.ShouldBe(2);
        back.Columns.ShouldBe(3);
        back.Data.ShouldBe(matrix.Data);
        // numpy aligns the data to 64 bytes.
        (new FileInfo(path).Length - 6 * 4).ShouldBe(128);
    }

    [Fact]
    public void Float64_is_read_and_narrowed_to_float32()
    {
        var bytes = NpyBytes("<f8", false, "(2, 2)", Doubles(0.5, 1.25, -3, 1e10));
        NpyMatrix.Read(new MemoryStream(bytes)).Data.ShouldBe([0.5f, 1.25f, -3f, 1e10f]);
    }

    [Fact]
    public void Fortran_order_is_transposed_into_rows()
    {
        // Column-major 2 x 3 [[1, 2, 3], [4, 5, 6]] is stored 1, 4, 2, 5, 3, 6.
        var bytes = NpyBytes("<f4", true, "(2, 3)", Floats(1, 4, 2, 5, 3, 6));
        var m = NpyMatrix.Read(new MemoryStream(bytes));
        m.Data.ShouldBe([1f, 2f, 3f, 4f, 5f, 6f]);
        m.Row(1).ToArray().ShouldBe([4f, 5f, 6f]);
    }

    [Fact]
    public void Version_2_headers_are_read()
    {
        var bytes = NpyBytes("<f4", false, "(1, 2)", Floats(7, 8), major: 2);
        NpyMatrix.Read(new MemoryStream(bytes)).Data.ShouldBe([7f, 8f]);
    }

    [Theory]
    [InlineData(">f4", "(1, 1)", "element type '>f4'")]
    [InlineData("<i8", "(1, 1)", "element type '<i8'")]
    [InlineData("<f4", "(3,)", "2-D")]
    public void Unsupported_arrays_fail_with_a_clear_message(string descr, string shape, string message)
    {
        var bytes = NpyBytes(descr, false, shape, new byte[64]);
        Should.Throw<InvalidDataException>(() => NpyMatrix.Read(new MemoryStream(bytes))).Message.ShouldContain(message);
    }

    [Fact]
    public void A_file_that_is_not_npy_is_rejected()
    {
        Should.Throw<InvalidDataException>(() => NpyMatrix.Read(new MemoryStream(Encoding.ASCII.GetBytes("id,vector\nx,1\n"))))
            .Message.ShouldContain("not a .npy");
    }

    [Fact]
    public void Truncated_data_is_an_error()
    {
        var bytes = NpyBytes("<f4", false, "(2, 2)", Floats(1, 2, 3));
        Should.Throw<EndOfStreamException>(() => NpyMatrix.Read(new MemoryStream(bytes)));
    }
}
