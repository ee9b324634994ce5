using System.Buffers.Binary;

namespace Doppel.Vision.Decoding;

/// <summary>
/// What the first bytes of a file say about it: the container format (from magic bytes, never the
/// file name), the stored pixel size and the EXIF orientation. Read without decoding any pixels, so
/// that an image claiming 30000x30000 can be refused before a decoder allocates for it.
/// </summary>
public sealed record ImageHeader(string Format, int Width, int Height, int Orientation)
{
    /// <summary>Channels the file stores (PNG: from its colour type; 0 = not known from the header).</summary>
    public int Channels { get; init; }

    /// <summary>Bits per sample (PNG: 1..16; 0 = not known from the header).</summary>
    public int BitDepth { get; init; }

    /// <summary>JPEG: a progressive frame, which libjpeg buffers whole as DCT coefficients before any
    /// output (2 bytes per coefficient), so it cannot be decoded scaled at a smaller cost.</summary>
    public bool Progressive { get; init; }

    public const string Jpeg = "jpeg";
    public const string Png = "png";
    public const string Gif = "gif";
    public const string Bmp = "bmp";
    public const string WebP = "webp";
    public const string Tiff = "tiff";
    public const string Pnm = "pnm";
    public const string Heif = "heif";
    public const string Avif = "avif";

    public long PixelCount => (long)Width * Height;

    /// <summary>The format name from magic bytes, or null when the bytes are no image format we decode.</summary>
    public static string? SniffFormat(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return Jpeg;
        if (data.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) return Png;
        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8)) return Gif;
        if (data.StartsWith("BM"u8) && data.Length >= 26) return Bmp;
        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8)) return WebP;
        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8)) return Tiff;
        if (data.Length >= 3 && data[0] == (byte)'P' && data[1] is >= (byte)'1' and <= (byte)'6' && IsPnmSpace(data[2])) return Pnm;
        if (data.Length >= 12 && data.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            // ISO-BMFF: the major brand says which kind of file; only image brands are ours to name.
            var brand = data.Slice(8, 4);
            if (brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8)) return Avif;
            if (brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("hevc"u8) || brand.SequenceEqual("hevx"u8)
                || brand.SequenceEqual("heim"u8) || brand.SequenceEqual("heis"u8) || brand.SequenceEqual("mif1"u8) || brand.SequenceEqual("msf1"u8))
                return Heif;
        }
        return null;
    }

    /// <summary>
    /// Parses the header of a file already known to be <paramref name="format"/>. Returns null with a
    /// reason when the header is cut short or inconsistent.
    /// </summary>
    public static ImageHeader? TryRead(ReadOnlySpan<byte> data, string format, out string? problem)
    {
        problem = null;
        try
        {
            var header = format switch
            {
                Jpeg => ReadJpeg(data),
                Png => ReadPng(data),
                Gif => data.Length >= 10
                    ? new ImageHeader(Gif, BinaryPrimitives.ReadUInt16LittleEndian(data[6..]), BinaryPrimitives.ReadUInt16LittleEndian(data[8..]), 1)
                    : null,
                Bmp => ReadBmp(data),
                WebP => ReadWebP(data) is { } webp ? webp with { Orientation = WebPOrientation(data) } : null,
                Tiff => ReadTiff(data),
                Pnm => ReadPnm(data),
                _ => null,
            };
            if (header is null)
                problem = $"{format} header is truncated or malformed";
            else if (header.Width <= 0 || header.Height <= 0)
            {
                problem = $"{format} header gives an impossible size {header.Width}x{header.Height}";
                header = null;
            }
            return header;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException or IndexOutOfRangeException)
        {
            problem = $"{format} header is truncated or malformed";
            return null;
        }
    }

    private static ImageHeader? ReadJpeg(ReadOnlySpan<byte> data)
    {
        int orientation = 1;
        int pos = 2;
        while (pos + 4 <= data.Length)
        {
            if (data[pos] != 0xFF) return null;
            byte marker = data[pos + 1];
            if (marker == 0xFF) { pos++; continue; } // fill bytes
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { pos += 2; continue; }
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
            if (length < 2) return null;
            var segment = data.Slice(pos + 4, Math.Min(length - 2, data.Length - pos - 4));
            if (marker == 0xE1 && segment.StartsWith("Exif\0\0"u8))
                orientation = TiffOrientation(segment[6..]) ?? orientation;
            // SOF2, SOF6, SOF10 and SOF14 are progressive frames.
            bool progressive = marker is 0xC2 or 0xC6 or 0xCA or 0xCE;
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (segment.Length < 5) return null;
                int height = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]);
                int width = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
                return new ImageHeader(Jpeg, width, height, orientation)
                {
                    Progressive = progressive,
                    Channels = segment.Length >= 6 ? segment[5] : 0,
                    BitDepth = segment[0],
                };
            }
            if (marker == 0xDA) return null; // scan data before any frame header
            pos += 2 + length;
        }
        return null;
    }

    /// <summary>True when a JPEG's entropy-coded data runs to an end-of-image marker. libjpeg fills a
    /// cut-off scan with grey and only warns, so without this check a truncated file "decodes".</summary>
    public static bool JpegHasEndMarker(ReadOnlySpan<byte> data) => JpegLayout(data).HasEnd;

    /// <summary>
    /// The scans (SOS segments) of a JPEG and whether an end-of-image marker follows them: one pass over
    /// the markers and the entropy-coded data, no decoding. libjpeg decodes every scan of a progressive
    /// file in full, so a 2.6 MB file with 20,000 scans took 22 s; the count lets the decoder refuse it.
    /// Inside scan data every 0xFF byte is stuffed with 0x00 and restart markers (D0..D7) are part of the
    /// data, so the next other marker ends the scan; FF D9 in an embedded EXIF thumbnail is never seen
    /// because segments are skipped by their length.
    /// </summary>
    public static (int Scans, bool HasEnd) JpegLayout(ReadOnlySpan<byte> data)
    {
        int scans = 0;
        int pos = 2;
        while (pos + 2 <= data.Length)
        {
            if (data[pos] != 0xFF) return (scans, false);
            byte marker = data[pos + 1];
            if (marker == 0xFF) { pos++; continue; }
            if (marker == 0xD9) return (scans, scans > 0);
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { pos += 2; continue; }
            if (pos + 4 > data.Length) return (scans, false);
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
            if (length < 2) return (scans, false);
            pos += 2 + length;
            if (marker != 0xDA)
                continue;
            scans++;
            // Skip the entropy-coded data up to the next marker that is not a stuffed byte or a restart.
            while (pos < data.Length)
            {
                int ff = data[pos..].IndexOf((byte)0xFF);
                if (ff < 0) return (scans, false);
                pos += ff;
                if (pos + 1 >= data.Length) return (scans, false);
                byte next = data[pos + 1];
                if (next == 0x00 || next is >= 0xD0 and <= 0xD7 || next == 0xFF) { pos += next == 0xFF ? 1 : 2; continue; }
                break;
            }
        }
        return (scans, false);
    }

    private static ImageHeader? ReadPng(ReadOnlySpan<byte> data)
    {
        if (data.Length < 26 || !data.Slice(12, 4).SequenceEqual("IHDR"u8)) return null;
        int width = checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[16..]));
        int height = checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[20..]));
        int channels = data[25] switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (!PngChunksFit(data)) return null;
        return new ImageHeader(Png, width, height, PngOrientation(data)) { Channels = channels, BitDepth = data[24] };
    }

    /// <summary>Whether every chunk up to IEND lies inside the file. OpenCV's PNG reader allocates what a
    /// chunk's length field claims before reading it: one field saying 2 GB cost 2.1 GB of memory.</summary>
    private static bool PngChunksFit(ReadOnlySpan<byte> data)
    {
        long pos = 8;
        while (pos + 8 <= data.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[(int)pos..]);
            if (pos + 12L + length > data.Length) return false;
            if (data.Slice((int)pos + 4, 4).SequenceEqual("IEND"u8)) return true;
            pos += 12L + length;
        }
        return false;
    }

    /// <summary>The orientation in a PNG's eXIf chunk (PNG 1.5; Apple and Android write it). The chunk
    /// should precede the image data, but some writers put it after, so every chunk is looked at.</summary>
    private static int PngOrientation(ReadOnlySpan<byte> data)
    {
        int pos = 8;
        while (pos + 8 <= data.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var type = data.Slice(pos + 4, 4);
            if (length > int.MaxValue || pos + 12L + length > data.Length) return 1;
            if (type.SequenceEqual("eXIf"u8))
                return TiffOrientation(data.Slice(pos + 8, (int)length)) ?? 1;
            if (type.SequenceEqual("IEND"u8)) return 1;
            pos += 12 + (int)length;
        }
        return 1;
    }

    /// <summary>The orientation in a WebP's EXIF chunk (extended format, VP8X). Some writers keep the
    /// JPEG "Exif\0\0" prefix in the chunk, others not.</summary>
    private static int WebPOrientation(ReadOnlySpan<byte> data)
    {
        int pos = 12;
        while (pos + 8 <= data.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            if (length > int.MaxValue || pos + 8L + length > data.Length) return 1;
            if (data.Slice(pos, 4).SequenceEqual("EXIF"u8))
            {
                var exif = data.Slice(pos + 8, (int)length);
                return TiffOrientation(exif.StartsWith("Exif\0\0"u8) ? exif[6..] : exif) ?? 1;
            }
            pos += 8 + (int)length + (int)(length & 1);
        }
        return 1;
    }

    private static ImageHeader? ReadBmp(ReadOnlySpan<byte> data)
    {
        int dibSize = BinaryPrimitives.ReadInt32LittleEndian(data[14..]);
        if (dibSize == 12) // OS/2 BITMAPCOREHEADER
            return new ImageHeader(Bmp, BinaryPrimitives.ReadUInt16LittleEndian(data[18..]), BinaryPrimitives.ReadUInt16LittleEndian(data[20..]), 1);
        int width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(data[22..]);
        // A negative height means rows are stored top-down.
        return new ImageHeader(Bmp, width, height == int.MinValue ? -1 : Math.Abs(height), 1);
    }

    private static ImageHeader? ReadWebP(ReadOnlySpan<byte> data)
    {
        if (data.Length < 30) return null;
        var chunk = data.Slice(12, 4);
        if (chunk.SequenceEqual("VP8 "u8))
            return new ImageHeader(WebP, BinaryPrimitives.ReadUInt16LittleEndian(data[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(data[28..]) & 0x3FFF, 1);
        if (chunk.SequenceEqual("VP8L"u8))
        {
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(data[21..]);
            return new ImageHeader(WebP, (int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1, 1);
        }
        if (chunk.SequenceEqual("VP8X"u8))
        {
            int width = 1 + (data[24] | data[25] << 8 | data[26] << 16);
            int height = 1 + (data[27] | data[28] << 8 | data[29] << 16);
            // The canvas may claim less than the bitstream inside, and libwebp decodes the bitstream at
            // its own size: the larger of the two is what decoding costs.
            var (innerWidth, innerHeight) = WebPBitstreamSize(data);
            return new ImageHeader(WebP, Math.Max(width, innerWidth), Math.Max(height, innerHeight), 1);
        }
        return null;
    }

    /// <summary>Width and height of the first VP8 or VP8L chunk of an extended WebP, (0, 0) when none.</summary>
    private static (int Width, int Height) WebPBitstreamSize(ReadOnlySpan<byte> data)
    {
        long pos = 12;
        while (pos + 8 <= data.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(data[(int)(pos + 4)..]);
            var fourcc = data.Slice((int)pos, 4);
            int body = (int)pos + 8;
            if (fourcc.SequenceEqual("VP8 "u8) && body + 10 <= data.Length)
                return (BinaryPrimitives.ReadUInt16LittleEndian(data[(body + 6)..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(data[(body + 8)..]) & 0x3FFF);
            if (fourcc.SequenceEqual("VP8L"u8) && body + 5 <= data.Length)
            {
                uint bits = BinaryPrimitives.ReadUInt32LittleEndian(data[(body + 1)..]);
                return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
            }
            pos += 8L + length + (length & 1);
        }
        return (0, 0);
    }

    private static ImageHeader? ReadTiff(ReadOnlySpan<byte> data)
    {
        bool little = data[0] == (byte)'I';
        uint ifd = little ? BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) : BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        int width = 0, height = 0, orientation = 1;
        foreach (var (tag, value) in TiffEntries(data, (int)ifd, little))
        {
            if (tag == 256) width = (int)value;
            else if (tag == 257) height = (int)value;
            else if (tag == 274) orientation = (int)value;
        }
        return width > 0 && height > 0 ? new ImageHeader(Tiff, width, height, orientation is >= 1 and <= 8 ? orientation : 1) : null;
    }

    /// <summary>Orientation tag (274) of a TIFF structure such as the body of a JPEG EXIF segment.</summary>
    private static int? TiffOrientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8 || !(tiff.StartsWith("II*\0"u8) || tiff.StartsWith("MM\0*"u8))) return null;
        bool little = tiff[0] == (byte)'I';
        uint ifd = little ? BinaryPrimitives.ReadUInt32LittleEndian(tiff[4..]) : BinaryPrimitives.ReadUInt32BigEndian(tiff[4..]);
        foreach (var (tag, value) in TiffEntries(tiff, (int)ifd, little))
            if (tag == 274)
                return value is >= 1 and <= 8 ? (int)value : null;
        return null;
    }

    /// <summary>Tag and inline SHORT/LONG value of each entry of the IFD at <paramref name="offset"/>.</summary>
    private static List<(int Tag, uint Value)> TiffEntries(ReadOnlySpan<byte> tiff, int offset, bool little)
    {
        var entries = new List<(int, uint)>();
        if (offset < 8 || offset + 2 > tiff.Length) return entries;
        int count = little ? BinaryPrimitives.ReadUInt16LittleEndian(tiff[offset..]) : BinaryPrimitives.ReadUInt16BigEndian(tiff[offset..]);
        for (int i = 0; i < count; i++)
        {
            int at = offset + 2 + 12 * i;
            if (at + 12 > tiff.Length) break;
            var entry = tiff.Slice(at, 12);
            int tag = little ? BinaryPrimitives.ReadUInt16LittleEndian(entry) : BinaryPrimitives.ReadUInt16BigEndian(entry);
            int type = little ? BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]) : BinaryPrimitives.ReadUInt16BigEndian(entry[2..]);
            uint value = type switch
            {
                3 => little ? BinaryPrimitives.ReadUInt16LittleEndian(entry[8..]) : BinaryPrimitives.ReadUInt16BigEndian(entry[8..]),
                4 => little ? BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]) : BinaryPrimitives.ReadUInt32BigEndian(entry[8..]),
                _ => 0,
            };
            entries.Add((tag, value));
        }
        return entries;
    }

    private static ImageHeader? ReadPnm(ReadOnlySpan<byte> data)
    {
        // "P5 <ws> width <ws> height ..." with '#' comments allowed between tokens.
        int pos = 2;
        Span<int> numbers = stackalloc int[2];
        for (int n = 0; n < 2; n++)
        {
            while (pos < data.Length && (IsPnmSpace(data[pos]) || data[pos] == (byte)'#'))
            {
                if (data[pos] == (byte)'#')
                    while (pos < data.Length && data[pos] != (byte)'\n') pos++;
                else pos++;
            }
            long value = 0;
            int start = pos;
            while (pos < data.Length && data[pos] is >= (byte)'0' and <= (byte)'9')
            {
                value = value * 10 + (data[pos] - '0');
                if (value > int.MaxValue) return null;
                pos++;
            }
            if (pos == start) return null;
            numbers[n] = (int)value;
        }
        return new ImageHeader(Pnm, numbers[0], numbers[1], 1);
    }

    private static bool IsPnmSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
}
