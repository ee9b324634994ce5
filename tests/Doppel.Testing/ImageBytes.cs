using System.Buffers.Binary;
using System.IO.Compression;

namespace Doppel.Testing;

/// <summary>
/// Byte-level surgery on encoded images, for tests of what a decoder does with files that say one thing
/// and hold another: EXIF orientation in each container that carries it, headers claiming huge sizes,
/// thousands of JPEG scans, a hand-written TIFF. Pure functions over byte arrays, no decoder involved.
/// </summary>
public static class ImageBytes
{
    /// <summary>A little-endian TIFF structure with one IFD entry: Orientation.</summary>
    public static byte[] ExifTiff(ushort orientation)
    {
        var tiff = new List<byte>();
        tiff.AddRange("II*\0"u8.ToArray());
        tiff.AddRange([8, 0, 0, 0]);          // IFD0 at offset 8
        tiff.AddRange([1, 0]);                // one entry
        tiff.AddRange([0x12, 0x01, 3, 0]);    // tag 274 Orientation, type SHORT
        tiff.AddRange([1, 0, 0, 0]);          // count 1
        tiff.AddRange([(byte)orientation, (byte)(orientation >> 8), 0, 0]);
        tiff.AddRange([0, 0, 0, 0]);          // no next IFD
        return [.. tiff];
    }

    /// <summary>Inserts an APP1 Exif segment with <paramref name="orientation"/> after the JFIF APP0.</summary>
    public static byte[] JpegWithOrientation(byte[] jpeg, ushort orientation)
    {
        var body = "Exif\0\0"u8.ToArray().Concat(ExifTiff(orientation)).ToArray();
        var segment = new List<byte> { 0xFF, 0xE1, (byte)((body.Length + 2) >> 8), (byte)((body.Length + 2) & 0xFF) };
        segment.AddRange(body);
        int insertAt = 2;
        if (jpeg[2] == 0xFF && jpeg[3] == 0xE0)
            insertAt = 4 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(4));
        return [.. jpeg[..insertAt], .. segment, .. jpeg[insertAt..]];
    }

    /// <summary>A PNG chunk: length, type, data, CRC-32 of type and data.</summary>
    public static byte[] PngChunk(string type, ReadOnlySpan<byte> data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, chunk.AsSpan(4));
        data.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    /// <summary>Inserts an eXIf chunk (orientation) right after IHDR.</summary>
    public static byte[] PngWithOrientation(byte[] png, ushort orientation) =>
        [.. png[..33], .. PngChunk("eXIf", ExifTiff(orientation)), .. png[33..]];

    /// <summary>A PNG header (IHDR) claiming any size and depth, followed by a small valid IDAT of
    /// zero rows (<paramref name="rows"/> of them) and IEND: what a decompression bomb looks like up front.</summary>
    public static byte[] PngClaiming(uint width, uint height, byte bitDepth, byte colourType, int rows = 1)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth;
        ihdr[9] = colourType;
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            int channels = colourType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
            long rowLength = 1 + (long)width * channels * Math.Max(1, bitDepth / 8);
            var row = new byte[Math.Min(rowLength, 1 << 24)];
            for (int r = 0; r < rows; r++)
                z.Write(row);
        }
        return [.. (byte[])[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], .. PngChunk("IHDR", ihdr), .. PngChunk("IDAT", compressed.ToArray()), .. PngChunk("IEND", [])];
    }

    /// <summary>Wraps a simple (VP8 or VP8L) WebP into the extended format with an EXIF chunk.</summary>
    public static byte[] WebPWithOrientation(byte[] webp, int width, int height, ushort orientation)
    {
        var image = webp[12..]; // the VP8/VP8L chunk as it is
        var vp8x = new byte[10];
        vp8x[0] = 0x08; // EXIF present
        WriteU24(vp8x.AsSpan(4), width - 1);
        WriteU24(vp8x.AsSpan(7), height - 1);
        var exif = ExifTiff(orientation);
        var body = new List<byte>();
        body.AddRange("WEBP"u8.ToArray());
        AddRiffChunk(body, "VP8X", vp8x);
        body.AddRange(image);
        AddRiffChunk(body, "EXIF", exif);
        var riff = new List<byte>("RIFF"u8.ToArray());
        var size = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)body.Count);
        riff.AddRange(size);
        riff.AddRange(body);
        return [.. riff];
    }

    private static void AddRiffChunk(List<byte> to, string fourcc, byte[] data)
    {
        to.AddRange(System.Text.Encoding.ASCII.GetBytes(fourcc));
        var size = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)data.Length);
        to.AddRange(size);
        to.AddRange(data);
        if (data.Length % 2 == 1) to.Add(0);
    }

    private static void WriteU24(Span<byte> at, int value)
    {
        at[0] = (byte)value;
        at[1] = (byte)(value >> 8);
        at[2] = (byte)(value >> 16);
    }

    /// <summary>An uncompressed 8-bit RGB TIFF (one strip) of <paramref name="rgb"/> rows, with an
    /// Orientation tag: what a scanner or camera writes when it does not rotate the pixels.</summary>
    public static byte[] Tiff(int width, int height, byte[] rgb, ushort orientation)
    {
        const int entries = 11;
        int ifdAt = 8, bitsAt = ifdAt + 2 + entries * 12 + 4, pixelsAt = bitsAt + 6;
        var tiff = new byte[pixelsAt + rgb.Length];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), (uint)ifdAt);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(ifdAt), entries);
        int at = ifdAt + 2;
        void Entry(ushort tag, ushort type, uint count, uint value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 4), count);
            if (type == 3 && count == 1) BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at + 8), (ushort)value);
            else BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at + 8), value);
            at += 12;
        }
        Entry(256, 4, 1, (uint)width);
        Entry(257, 4, 1, (uint)height);
        Entry(258, 3, 3, (uint)bitsAt);       // BitsPerSample 8,8,8 (stored out of line)
        Entry(259, 3, 1, 1);                  // no compression
        Entry(262, 3, 1, 2);                  // RGB
        Entry(273, 4, 1, (uint)pixelsAt);     // StripOffsets
        Entry(274, 3, 1, orientation);
        Entry(277, 3, 1, 3);                  // SamplesPerPixel
        Entry(278, 4, 1, (uint)height);       // RowsPerStrip
        Entry(279, 4, 1, (uint)rgb.Length);   // StripByteCounts
        Entry(284, 3, 1, 1);                  // PlanarConfiguration: chunky
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(bitsAt + 2 * i), 8);
        rgb.CopyTo(tiff.AsSpan(pixelsAt));
        return tiff;
    }

    /// <summary>Offset of the first FF <paramref name="marker"/> in a JPEG.</summary>
    public static int FindJpegMarker(byte[] jpeg, byte marker)
    {
        for (int i = 2; i + 1 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == marker)
                return i;
        return -1;
    }

    /// <summary>The JPEG with its frame header (any SOFn) claiming <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static byte[] JpegClaiming(byte[] jpeg, ushort width, ushort height)
    {
        var copy = (byte[])jpeg.Clone();
        foreach (byte sof in new byte[] { 0xC0, 0xC1, 0xC2 })
        {
            int at = FindJpegMarker(copy, sof);
            if (at < 0) continue;
            BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(at + 5), height);
            BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(at + 7), width);
            return copy;
        }
        throw new ArgumentException("no frame header");
    }

    /// <summary>A progressive JPEG whose last scan is repeated until it has <paramref name="scans"/> scans:
    /// libjpeg decodes each over the whole image (the 20,000-scan file of issue 12 took 22 s).</summary>
    public static byte[] JpegWithScans(byte[] progressiveJpeg, int scans)
    {
        int last = -1;
        for (int i = 2; i + 1 < progressiveJpeg.Length; i++)
            if (progressiveJpeg[i] == 0xFF && progressiveJpeg[i + 1] == 0xDA) last = i;
        int end = progressiveJpeg.Length - 2; // FF D9
        var scan = progressiveJpeg[last..end];
        int have = 0;
        for (int i = 2; i + 1 < progressiveJpeg.Length; i++)
            if (progressiveJpeg[i] == 0xFF && progressiveJpeg[i + 1] == 0xDA) have++;
        using var output = new MemoryStream();
        output.Write(progressiveJpeg, 0, end);
        for (int i = have; i < scans; i++) output.Write(scan);
        output.Write([0xFF, 0xD9]);
        return output.ToArray();
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
