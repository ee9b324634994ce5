using System.Buffers.Binary;
using System.Text;

namespace Doppel.Testing;

/// <summary>
/// A folder of files made to hurt an image pipeline (issue 12), written at a fixed seed: file-system
/// traps, crafted headers (decompression bombs, scan bombs, impossible sizes, broken structures in every
/// format), hostile names, and mutation fuzzing of real encoded images (truncations, bit flips, huge
/// declared sizes, segment and chunk reorderings, inserted and duplicated bytes). Every file is recorded
/// with the statuses it may get: an exact one where the outcome is decided by the bytes alone, the set
/// of image statuses for fuzzed files (a flipped bit may or may not break a JPEG).
/// </summary>
public sealed class HostileCorpus
{
    /// <summary>Image statuses any decodable-or-not file may end with.</summary>
    public static readonly IReadOnlySet<string> AnyImageStatus = new HashSet<string>(StringComparer.Ordinal)
    {
        "ok", "no_face", "several_faces", "face_too_small", "low_confidence", "unreadable", "unsupported", "too_large", "timeout",
    };

    /// <summary>One written file or entry: its kind, path under the corpus root, and what it may become.
    /// <see cref="ScanStatus"/> is the scanner's code; "ok" means it reaches the decoder, which then
    /// gives one of <see cref="ImageStatuses"/>.</summary>
    public sealed record Entry(string Kind, string RelativePath, string ScanStatus, IReadOnlySet<string> ImageStatuses);

    public IReadOnlyList<Entry> Entries => _entries;

    public IReadOnlyCollection<string> Kinds => _entries.Select(e => e.Kind).Distinct().ToList();

    private readonly List<Entry> _entries = [];
    private readonly string _root;
    private readonly Random _random;

    /// <summary>Encodes a BGR 8-bit image (rows of width*3 bytes) into the format of the extension
    /// (".png", ".webp", ".tif", ".gif", ".bmp", ".pgm", ".jpg" and ".jpg-progressive").</summary>
    public delegate byte[] Encoder(string extension, int width, int height, byte[] bgr);

    private HostileCorpus(string root, int seed)
    {
        _root = root;
        _random = new Random(seed);
    }

    /// <summary>Writes the corpus under <paramref name="root"/> (which must exist).</summary>
    /// <param name="photo">A real JPEG photo: the seed of the JPEG mutations.</param>
    /// <param name="photoBgr">Its pixels (width, height, BGR rows), re-encoded as every other format.</param>
    /// <param name="fuzzed">How many mutated files to write.</param>
    public static HostileCorpus Write(string root, byte[] photo, (int Width, int Height, byte[] Bgr) photoBgr, Encoder encode, int fuzzed, int seed = 12)
    {
        var corpus = new HostileCorpus(root, seed);
        corpus.FileSystemTraps();
        corpus.Crafted(photo, encode);
        corpus.Names(photo);
        corpus.Fuzz(photo, photoBgr, encode, fuzzed);
        return corpus;
    }

    private static IReadOnlySet<string> Only(params string[] statuses) => new HashSet<string>(statuses, StringComparer.Ordinal);

    /// <summary>What a decodable picture without a face may get.</summary>
    private static readonly IReadOnlySet<string> NoFace = Only("no_face", "low_confidence", "face_too_small");

    /// <summary>PNGs of 10000x4300 8-bit RGB zeros (160 KB each): the largest the decode budget admits
    /// (about 258 MB of pixels while decoded), so several workers decoding at once make a run's peak.</summary>
    public void AddMemoryStress(int count)
    {
        for (int i = 0; i < count; i++)
            Add("png-near-decode-budget", $"stress/near-budget-{i}.png", ImageBytes.PngClaiming(10000, 4300, 8, 2, rows: 4300), NoFace);
    }

    private void Add(string kind, string relative, byte[] bytes, IReadOnlySet<string> statuses)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        _entries.Add(new Entry(kind, relative, "ok", statuses));
    }

    private void FileSystemTraps()
    {
        var traps = Path.Combine(_root, "traps");
        Directory.CreateDirectory(traps);
        foreach (var planted in HostileFolder.Plant(traps))
            _entries.Add(new Entry("fs:" + planted.ScanStatus + ":" + planted.RelativePath, "traps/" + planted.RelativePath, planted.ScanStatus,
                planted.ScanStatus == "ok" ? Only("unsupported") : Only()));
        // A file far over the byte budget, sparse so it costs no disk.
        var huge = Path.Combine(_root, "traps", "huge.jpg");
        using (var stream = File.Create(huge))
        {
            stream.Write([0xFF, 0xD8, 0xFF, 0xE0]);
            stream.SetLength(70L << 20);
        }
        _entries.Add(new Entry("fs:over-byte-budget", "traps/huge.jpg", "ok", Only("too_large")));
        // 40 folders deep.
        var deep = string.Join('/', Enumerable.Range(0, 40).Select(i => $"d{i}"));
        Add("fs:deep-folder", $"traps/{deep}/deep.jpg", [0xFF, 0xD8, 0xFF, 0xD9], Only("unreadable"));
    }

    private void Crafted(byte[] photo, Encoder encode)
    {
        var unreadable = Only("unreadable");
        var tooLarge = Only("too_large");
        var unsupported = Only("unsupported");
        Add("empty", "crafted/empty.jpg", [], unreadable);
        Add("text-as-jpg", "crafted/text.jpg", "just some notes\n"u8.ToArray(), unsupported);
        Add("html-as-png", "crafted/page.png", "<html><body>hi</body></html>"u8.ToArray(), unsupported);
        Add("zip-as-jpg", "crafted/archive.jpg", [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0], unsupported);
        Add("heic", "crafted/phone.heic", [0, 0, 0, 24, .. "ftypheic"u8.ToArray(), 0, 0, 0, 0, .. "mif1heic"u8.ToArray()], unsupported);
        Add("avif", "crafted/photo.avif", [0, 0, 0, 24, .. "ftypavif"u8.ToArray(), 0, 0, 0, 0, .. "mif1avif"u8.ToArray()], unsupported);

        // JPEG.
        Add("jpeg-soi-only", "crafted/soi.jpg", [0xFF, 0xD8, 0xFF], unreadable);
        foreach (var fraction in new[] { 10, 50, 90 })
            Add($"jpeg-truncated-{fraction}", $"crafted/truncated-{fraction}.jpg", photo[..(photo.Length * fraction / 100)], unreadable);
        Add("jpeg-no-eoi", "crafted/no-eoi.jpg", photo[..^2], unreadable);
        Add("jpeg-claims-10000", "crafted/claims-10000.jpg", ImageBytes.JpegClaiming(photo, 10000, 10000), AnyImageStatus);
        Add("jpeg-claims-65535", "crafted/claims-65535.jpg", ImageBytes.JpegClaiming(photo, 65535, 65535), tooLarge);
        Add("jpeg-claims-zero", "crafted/claims-zero.jpg", ImageBytes.JpegClaiming(photo, 0, 100), unreadable);
        var small = encode(".jpg-progressive", 64, 64, new byte[64 * 64 * 3]);
        Add("jpeg-progressive-claims-10000", "crafted/progressive-10000.jpg", ImageBytes.JpegClaiming(small, 10000, 10000), tooLarge);
        Add("jpeg-20000-scans", "crafted/scans-20000.jpg", ImageBytes.JpegWithScans(small, 20_000), tooLarge);
        Add("jpeg-101-scans", "crafted/scans-101.jpg", ImageBytes.JpegWithScans(small, 101), tooLarge);
        for (ushort o = 1; o <= 8; o++)
            Add($"jpeg-orientation-{o}", $"crafted/orientation-{o}.jpg", ImageBytes.JpegWithOrientation(encode(".jpg", 48, 32, Gradient(48, 32)), o), NoFace);
        var badLength = (byte[])photo.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(badLength.AsSpan(4), 0xFFFF); // APP0 length past the end
        Add("jpeg-segment-length-past-end", "crafted/segment-length.jpg", badLength, unreadable);
        Add("jpeg-polyglot-zip", "crafted/polyglot.jpg", [.. photo, .. "PK\u0003\u0004 trailing archive"u8.ToArray()], AnyImageStatus);

        // PNG.
        var png = encode(".png", 48, 32, Gradient(48, 32));
        Add("png-16bit-10000", "crafted/bomb16.png", ImageBytes.PngClaiming(10000, 10000, 16, 2), tooLarge);
        Add("png-claims-100000", "crafted/claims-100000.png", ImageBytes.PngClaiming(100000, 100000, 8, 2), tooLarge);
        Add("png-claims-zero", "crafted/claims-zero.png", ImageBytes.PngClaiming(0, 10, 8, 2), unreadable);
        Add("png-claims-more-rows", "crafted/short-data.png", ImageBytes.PngClaiming(64, 64, 8, 2, rows: 3), unreadable);
        var badCrc = (byte[])png.Clone();
        badCrc[29] ^= 0xFF; // IHDR CRC
        Add("png-bad-crc", "crafted/bad-crc.png", badCrc, AnyImageStatus);
        Add("png-truncated", "crafted/truncated.png", png[..(png.Length / 2)], unreadable);
        Add("png-header-only", "crafted/header-only.png", png[..33], unreadable);
        Add("png-iend-first", "crafted/iend-first.png", [.. png[..8], .. ImageBytes.PngChunk("IEND", []), .. png[8..]], unreadable);
        Add("png-palette-no-plte", "crafted/no-plte.png", ImageBytes.PngClaiming(8, 8, 8, 3), unreadable);
        var hugeChunk = (byte[])png.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(hugeChunk.AsSpan(33), 0x7FFFFFF0); // first chunk after IHDR claims 2 GB
        Add("png-chunk-claims-2gb", "crafted/huge-chunk.png", hugeChunk, unreadable);
        Add("png-exif-orientation", "crafted/orientation.png", ImageBytes.PngWithOrientation(png, 6), NoFace);

        // WebP.
        var webp = encode(".webp", 48, 32, Gradient(48, 32));
        Add("webp-truncated", "crafted/truncated.webp", webp[..(webp.Length / 2)], unreadable);
        Add("webp-header-only", "crafted/header-only.webp", webp[..20], unreadable);
        var canvas = ImageBytes.WebPWithOrientation(webp, 16384, 16384, 1);
        Add("webp-canvas-16384", "crafted/canvas.webp", canvas, tooLarge);
        var riff = (byte[])webp.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(riff.AsSpan(4), 0x7FFFFFFF);
        Add("webp-riff-size-2gb", "crafted/riff-size.webp", riff, AnyImageStatus);
        // The canvas says 48x32, the bitstream inside 16383x16383.
        var innerHuge = ImageBytes.WebPWithOrientation(webp, 48, 32, 1);
        int bitstream = innerHuge.AsSpan().IndexOf("VP8"u8.ToArray().Concat(new[] { webp[15] }).ToArray()) + 8;
        if (webp[15] == (byte)'L')
            BinaryPrimitives.WriteUInt32LittleEndian(innerHuge.AsSpan(bitstream + 1), 0x3FFFu | 0x3FFFu << 14 | (BinaryPrimitives.ReadUInt32LittleEndian(innerHuge.AsSpan(bitstream + 1)) & 0xF0000000u));
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(innerHuge.AsSpan(bitstream + 6), 0x3FFF);
            BinaryPrimitives.WriteUInt16LittleEndian(innerHuge.AsSpan(bitstream + 8), 0x3FFF);
        }
        Add("webp-bitstream-larger-than-canvas", "crafted/inner-huge.webp", innerHuge, tooLarge);
        Add("webp-exif-orientation", "crafted/orientation.webp", ImageBytes.WebPWithOrientation(webp, 48, 32, 8), NoFace);

        // TIFF.
        var tiff = ImageBytes.Tiff(48, 32, Gradient(48, 32), 1);
        var ifdOut = (byte[])tiff.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(ifdOut.AsSpan(4), 0x7FFFFFF0);
        Add("tiff-ifd-out-of-file", "crafted/ifd-out.tif", ifdOut, unreadable);
        Add("tiff-claims-100000", "crafted/claims-100000.tif", WithTiffSize(tiff, 100000, 100000), tooLarge);
        Add("tiff-claims-more-rows", "crafted/short-strip.tif", WithTiffSize(tiff, 48, 3000), AnyImageStatus);
        var cyclic = (byte[])tiff.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(cyclic.AsSpan(8 + 2 + 11 * 12), 8); // next IFD = itself
        Add("tiff-cyclic-ifd", "crafted/cyclic.tif", cyclic, AnyImageStatus);
        Add("tiff-truncated", "crafted/truncated.tif", tiff[..(tiff.Length / 2)], AnyImageStatus);
        Add("tiff-orientation", "crafted/orientation.tif", ImageBytes.Tiff(48, 32, Gradient(48, 32), 6), NoFace);

        // GIF.
        var gif = encode(".gif", 48, 32, Gradient(48, 32));
        var gifHuge = (byte[])gif.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(gifHuge.AsSpan(6), 65535);
        BinaryPrimitives.WriteUInt16LittleEndian(gifHuge.AsSpan(8), 65535);
        Add("gif-screen-65535", "crafted/screen.gif", gifHuge, tooLarge);
        Add("gif-truncated", "crafted/truncated.gif", gif[..(gif.Length / 2)], AnyImageStatus);
        Add("gif-header-only", "crafted/header-only.gif", gif[..13], AnyImageStatus);

        // BMP.
        var bmp = encode(".bmp", 48, 32, Gradient(48, 32));
        var bmpNegative = (byte[])bmp.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(bmpNegative.AsSpan(18), -48);
        Add("bmp-negative-width", "crafted/negative.bmp", bmpNegative, unreadable);
        var bmpHuge = (byte[])bmp.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(bmpHuge.AsSpan(22), int.MaxValue);
        Add("bmp-height-int-max", "crafted/tall.bmp", bmpHuge, tooLarge);
        var bmpDepth = (byte[])bmp.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(bmpDepth.AsSpan(28), 0);
        Add("bmp-zero-bit-depth", "crafted/zero-depth.bmp", bmpDepth, AnyImageStatus);
        Add("bmp-truncated", "crafted/truncated.bmp", bmp[..(bmp.Length / 2)], AnyImageStatus);

        // PNM.
        Add("pgm-claims-100000", "crafted/claims.pgm", "P5\n100000 100000\n255\n"u8.ToArray(), tooLarge);
        Add("pgm-maxval-zero", "crafted/maxval0.pgm", [.. "P5\n4 4\n0\n"u8.ToArray(), .. new byte[16]], AnyImageStatus);
        Add("pgm-truncated", "crafted/truncated.pgm", [.. "P5\n64 64\n255\n"u8.ToArray(), .. new byte[100]], AnyImageStatus);
        Add("pgm-ascii-garbage", "crafted/garbage.pgm", "P2\n4 4\n255\n1 2 x y z\n"u8.ToArray(), AnyImageStatus);
        Add("pgm-16bit", "crafted/deep.pgm", [.. "P5\n4 4\n65535\n"u8.ToArray(), .. new byte[32]], NoFace);
        Add("pgm-number-overflow", "crafted/overflow.pgm", "P5\n99999999999 4\n255\n"u8.ToArray(), unreadable);
    }

    private void Names(byte[] photo)
    {
        var blank = Only("unreadable");
        byte[] tiny = [0xFF, 0xD8, 0xFF, 0xD9];
        foreach (var (kind, name) in new[]
        {
            ("name-formula-equals", "=HYPERLINK(\"http%3A%2F%2Fx\").jpg"),
            ("name-formula-at", "@SUM(A1).jpg"),
            ("name-formula-plus", "+1.jpg"),
            ("name-formula-minus", "-2.jpg"),
            ("name-backslash", "back\\slash.jpg"),
            ("name-newline", "new\nline.jpg"),
            ("name-emoji", "smile-\U0001F600.jpg"),
            ("name-rtl", "\u202Egpj.exe.jpg"),
            ("name-html", "<script>alert(1)<\u2044script>.jpg"),
            ("name-long", new string('x', 240) + ".jpg"),
            ("name-upper-ext", "SHOUT.JPEG"),
        })
            Add(kind, "names/" + name, tiny, blank);
        Add("name-wrong-extension", "names/really-a-jpeg.png", photo, AnyImageStatus);
    }

    private void Fuzz(byte[] photo, (int Width, int Height, byte[] Bgr) pixels, Encoder encode, int count)
    {
        // Seeds: the real photo and its pixels in every other format, at a quarter of the size so the
        // fuzzed files that still decode cost little to detect.
        int w = Math.Max(16, pixels.Width / 2), h = Math.Max(16, pixels.Height / 2);
        var half = Downscale(pixels, w, h);
        var seeds = new List<(string Ext, byte[] Bytes)>
        {
            (".jpg", photo),
            (".jpg", encode(".jpg-progressive", w, h, half)),
            (".png", encode(".png", w, h, half)),
            (".webp", encode(".webp", w, h, half)),
            (".tif", encode(".tif", w, h, half)),
            (".gif", encode(".gif", w, h, half)),
            (".bmp", encode(".bmp", w, h, half)),
            (".pgm", encode(".pgm", w, h, half)),
        };
        var mutations = new (string Name, Func<byte[], byte[]> Apply)[]
        {
            ("truncate", b => b[..Math.Max(1, _random.Next(b.Length))]),
            ("bitflip", b => { var c = (byte[])b.Clone(); for (int i = 0, n = 1 + _random.Next(8); i < n; i++) c[_random.Next(c.Length)] ^= (byte)(1 << _random.Next(8)); return c; }),
            ("header-bitflip", b => { var c = (byte[])b.Clone(); c[_random.Next(Math.Min(64, c.Length))] ^= (byte)(1 << _random.Next(8)); return c; }),
            ("huge-size", HugeSize),
            ("reorder", Reorder),
            ("insert", b => { int at = _random.Next(b.Length); var junk = new byte[1 + _random.Next(64)]; _random.NextBytes(junk); return [.. b[..at], .. junk, .. b[at..]]; }),
            ("duplicate", b => { int at = _random.Next(b.Length); int n = Math.Min(b.Length - at, 1 + _random.Next(256)); return [.. b[..(at + n)], .. b[at..]]; }),
            ("zero-run", b => { var c = (byte[])b.Clone(); int at = _random.Next(c.Length); c.AsSpan(at, Math.Min(c.Length - at, 1 + _random.Next(128))).Clear(); return c; }),
        };
        for (int i = 0; i < count; i++)
        {
            var (ext, seed) = seeds[i % seeds.Count];
            var (name, apply) = mutations[(i / seeds.Count) % mutations.Length];
            var bytes = apply(seed);
            Add($"fuzz:{ext.TrimStart('.')}:{name}", $"fuzz/{i:D4}-{name}{ext}", bytes, AnyImageStatus);
        }
    }

    /// <summary>Writes a huge width and height where the format keeps them.</summary>
    private byte[] HugeSize(byte[] b)
    {
        var c = (byte[])b.Clone();
        int value = _random.Next(2) == 0 ? 65535 : 20000 + _random.Next(40000);
        if (c.Length > 24 && c[0] == 0x89) { BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(16), (uint)value); BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(20), (uint)value); }
        else if (c.Length > 10 && c[0] == (byte)'G') { BinaryPrimitives.WriteUInt16LittleEndian(c.AsSpan(6), (ushort)value); BinaryPrimitives.WriteUInt16LittleEndian(c.AsSpan(8), (ushort)value); }
        else if (c.Length > 26 && c[0] == (byte)'B') { BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(18), value); BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(22), value); }
        else if (c.Length > 2 && c[0] == 0xFF) { try { return ImageBytes.JpegClaiming(c, (ushort)value, (ushort)value); } catch (ArgumentException) { } }
        else if (c[0] == (byte)'P') { var text = Encoding.ASCII.GetBytes($"P5\n{value} {value}\n255\n"); return [.. text, .. c[Math.Min(c.Length, 15)..]]; }
        else c[_random.Next(Math.Min(32, c.Length))] = 0xFF;
        return c;
    }

    /// <summary>Swaps two byte ranges: a chunk or segment reordering when they fall on structure.</summary>
    private byte[] Reorder(byte[] b)
    {
        if (b.Length < 16) return b;
        int a = 8 + _random.Next(b.Length / 2 - 8), n = 1 + _random.Next(Math.Min(512, b.Length / 4));
        int c = b.Length / 2 + _random.Next(b.Length / 2 - n);
        var copy = (byte[])b.Clone();
        b.AsSpan(a, n).CopyTo(copy.AsSpan(c));
        b.AsSpan(c, n).CopyTo(copy.AsSpan(a));
        return copy;
    }

    private static byte[] Gradient(int width, int height)
    {
        var bgr = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                bgr[i] = (byte)(x * 255 / width);
                bgr[i + 1] = (byte)(y * 255 / height);
                bgr[i + 2] = (byte)(x < width / 3 && y < height / 3 ? 255 : 60);
            }
        return bgr;
    }

    private static byte[] Downscale((int Width, int Height, byte[] Bgr) image, int width, int height)
    {
        var bgr = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int sx = x * image.Width / width, sy = y * image.Height / height;
                Array.Copy(image.Bgr, (sy * image.Width + sx) * 3, bgr, (y * width + x) * 3, 3);
            }
        return bgr;
    }

    private static byte[] WithTiffSize(byte[] tiff, int width, int height)
    {
        var copy = (byte[])tiff.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(8 + 2 + 8), (uint)width);   // entry 0 value
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(8 + 2 + 12 + 8), (uint)height); // entry 1 value
        return copy;
    }
}
