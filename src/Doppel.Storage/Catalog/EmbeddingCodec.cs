using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Doppel.Storage;

/// <summary>
/// How vectors are stored: float32 little-endian bytes, 4 per component. Catalogs imported from
/// other systems (the DeepFrame seed) may hold a JSON array text instead, in a text column or as
/// UTF-8 bytes in a binary one; <see cref="Parse(object, int?)"/> reads all three.
/// </summary>
public static class EmbeddingCodec
{
    public static byte[] ToBytes(ReadOnlySpan<float> vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.AsBytes(vector).CopyTo(bytes);
        else
            for (int i = 0; i < vector.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), vector[i]);
        return bytes;
    }

    public static float[] FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
            throw new FormatException($"An embedding blob must be a multiple of 4 bytes (float32); got {bytes.Length} bytes.");
        var vector = new float[bytes.Length / sizeof(float)];
        if (BitConverter.IsLittleEndian)
            bytes.CopyTo(MemoryMarshal.AsBytes(vector.AsSpan()));
        else
            for (int i = 0; i < vector.Length; i++)
                vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
        return vector;
    }

    /// <summary>Parses a JSON array of numbers, e.g. <c>[0.12, -0.5, 3e-2]</c>.</summary>
    public static float[] FromJson(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"An embedding text is not valid JSON: {Preview(json)}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new FormatException($"An embedding text must be a JSON array of numbers: {Preview(json)}");
            var vector = new float[doc.RootElement.GetArrayLength()];
            int i = 0;
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number)
                    throw new FormatException($"Embedding component {i} is {item.ValueKind}, not a number: {Preview(json)}");
                vector[i++] = item.GetSingle();
            }
            return vector;
        }
    }

    public static string ToJson(ReadOnlySpan<float> vector)
    {
        var sb = new StringBuilder(vector.Length * 12).Append('[');
        for (int i = 0; i < vector.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(vector[i].ToString("R", CultureInfo.InvariantCulture));
        }
        return sb.Append(']').ToString();
    }

    /// <summary>
    /// Reads a stored vector whatever its encoding: a byte array of float32 values, a JSON text, or
    /// JSON text stored as bytes. When <paramref name="expectedDimension"/> is known, a blob of exactly
    /// that many floats is binary even if it happens to start with '['; otherwise a blob that looks
    /// like a JSON array (starts '[' ends ']') is read as JSON.
    /// </summary>
    public static float[] Parse(object stored, int? expectedDimension = null)
    {
        float[] vector = stored switch
        {
            byte[] bytes when expectedDimension is int d && bytes.Length == d * sizeof(float) => FromBytes(bytes),
            byte[] bytes when LooksLikeJsonArray(bytes) => FromJson(Encoding.UTF8.GetString(bytes)),
            byte[] bytes => FromBytes(bytes),
            string text => FromJson(text),
            null or DBNull => throw new FormatException("The embedding is NULL."),
            _ => throw new FormatException($"Cannot read an embedding from a {stored.GetType().Name}."),
        };
        if (expectedDimension is int dim && vector.Length != dim)
            throw new FormatException($"The embedding has {vector.Length} components; {dim} were expected.");
        return vector;
    }

    private static bool LooksLikeJsonArray(ReadOnlySpan<byte> bytes)
    {
        var trimmed = bytes.Trim(" \t\r\n"u8);
        return trimmed.Length >= 2 && trimmed[0] == (byte)'[' && trimmed[^1] == (byte)']';
    }

    private static string Preview(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
