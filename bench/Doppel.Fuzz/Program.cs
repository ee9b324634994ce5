using System.Diagnostics;
using Doppel.Vision;
using Doppel.Vision.Decoding;
using OpenCvSharp;

namespace Doppel.Fuzz;

/// <summary>
/// The fuzz target: any bytes through the header sniffer and parser (<see cref="ImageHeader"/>) and the
/// decoder entry (<see cref="ImageDecoder.Decode(byte[])"/>). It must never throw, and what it returns
/// must hold together (an ok image is 8-bit BGR of the size it states, within the output limit; any
/// other status has no pixels). Modes:
/// <c>afl</c> runs under AFL++ (SharpFuzz instruments Doppel.Vision.dll first, bench/run_fuzz.sh);
/// <c>seeds DIR</c> writes small valid images of every format as the starting corpus;
/// <c>random SECONDS [SEED]</c> mutates the seeds in-process without coverage guidance;
/// <c>run FILE...</c> replays files (crashes AFL saved).
/// </summary>
public static class Program
{
    /// <summary>Budgets small enough that a fuzzed header cannot make one run slow; 2 s instead of 20.</summary>
    private static readonly ImageDecoder Decoder = new(new ImageDecoderOptions
    {
        MaxPixels = 20_000_000,
        MaxDecodeBytes = 64L << 20,
        DecodeTimeout = TimeSpan.FromSeconds(2),
    });

    public static int Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "afl":
                SharpFuzz.Fuzzer.Run(stream =>
                {
                    using var memory = new MemoryStream();
                    stream.CopyTo(memory);
                    Target(memory.ToArray());
                });
                return 0;
            case "seeds" when args.Length == 2:
                WriteSeeds(args[1]);
                return 0;
            case "random" when args.Length >= 2:
                return Random(double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args.Length > 2 ? int.Parse(args[2]) : 1);
            case "run" when args.Length >= 2:
                foreach (var file in args.Skip(1))
                {
                    Target(File.ReadAllBytes(file));
                    Console.WriteLine($"{file}: ok");
                }
                return 0;
            default:
                Console.Error.WriteLine("usage: Doppel.Fuzz afl | seeds DIR | random SECONDS [SEED] | run FILE...");
                return 1;
        }
    }

    /// <summary>One input: throws (a finding) when a part lets an exception out or breaks its contract.</summary>
    public static void Target(byte[] data)
    {
        var format = ImageHeader.SniffFormat(data);
        if (format is not null)
        {
            var header = ImageHeader.TryRead(data, format, out var problem);
            if (header is null != problem is not null)
                throw new InvalidOperationException("TryRead must give a header or a problem, not both or neither");
            if (header is not null && (header.Width <= 0 || header.Height <= 0))
                throw new InvalidOperationException($"TryRead accepted an impossible size {header.Width}x{header.Height}");
            if (format == ImageHeader.Jpeg)
                ImageHeader.JpegLayout(data);
        }
        using var decoded = Decoder.Decode(data);
        if (decoded.Status == ImageStatus.Ok)
        {
            var image = decoded.Image ?? throw new InvalidOperationException("ok without pixels");
            if (image.Type() != MatType.CV_8UC3 || image.Width != decoded.Width || image.Height != decoded.Height)
                throw new InvalidOperationException($"ok image is {image.Type()} {image.Width}x{image.Height}, stated {decoded.Width}x{decoded.Height}");
            if ((long)image.Width * image.Height > Decoder.Options.MaxOutputPixels)
                throw new InvalidOperationException($"ok image {image.Width}x{image.Height} exceeds the output limit");
        }
        else if (decoded.Image is not null || string.IsNullOrEmpty(decoded.Detail))
            throw new InvalidOperationException($"{decoded.Status} must come with a detail and no pixels");
    }

    private static IEnumerable<(string Name, byte[] Bytes)> Seeds()
    {
        using var image = new Mat(24, 32, MatType.CV_8UC3);
        Cv2.Randu(image, Scalar.All(0), Scalar.All(255));
        using var grey = image.CvtColor(ColorConversionCodes.BGR2GRAY);
        yield return ("seed.jpg", image.ImEncode(".jpg"));
        yield return ("seed-progressive.jpg", image.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegProgressive, 1)));
        yield return ("seed.png", image.ImEncode(".png"));
        yield return ("seed.webp", image.ImEncode(".webp"));
        yield return ("seed-lossless.webp", image.ImEncode(".webp", new ImageEncodingParam(ImwriteFlags.WebPQuality, 101)));
        yield return ("seed.tif", image.ImEncode(".tif"));
        yield return ("seed.gif", image.ImEncode(".gif"));
        yield return ("seed.bmp", image.ImEncode(".bmp"));
        yield return ("seed.pgm", grey.ImEncode(".pgm"));
        yield return ("seed.ppm", image.ImEncode(".ppm"));
    }

    private static void WriteSeeds(string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (var (name, bytes) in Seeds())
            File.WriteAllBytes(Path.Combine(dir, name), bytes);
    }

    /// <summary>Mutates the seeds (bit flips, truncation, byte runs, splices, size fields) for the given
    /// time; prints executions and findings, writes each finding to fuzz-findings/.</summary>
    private static int Random(double seconds, int seed)
    {
        var random = new Random(seed);
        var seeds = Seeds().Select(s => s.Bytes).ToList();
        var clock = Stopwatch.StartNew();
        long runs = 0;
        int findings = 0;
        var statuses = new Dictionary<string, long>();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            var input = Mutate(seeds[random.Next(seeds.Count)], seeds[random.Next(seeds.Count)], random);
            try
            {
                Target(input);
                using var d = Decoder.Decode(input);
                statuses[d.Status.ToCode()] = statuses.GetValueOrDefault(d.Status.ToCode()) + 1;
            }
            catch (Exception e)
            {
                findings++;
                Directory.CreateDirectory("fuzz-findings");
                var path = Path.Combine("fuzz-findings", $"finding-{findings:D4}.bin");
                File.WriteAllBytes(path, input);
                Console.Error.WriteLine($"{path}: {e.GetType().Name}: {e.Message}");
            }
            runs++;
        }
        Console.WriteLine($"runs {runs}, findings {findings}, seconds {clock.Elapsed.TotalSeconds:0}, statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"))}");
        return findings == 0 ? 0 : 1;
    }

    private static byte[] Mutate(byte[] a, byte[] b, Random random)
    {
        var bytes = (byte[])a.Clone();
        for (int round = 0, rounds = 1 + random.Next(4); round < rounds && bytes.Length > 0; round++)
        {
            switch (random.Next(6))
            {
                case 0: bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes = bytes[..random.Next(bytes.Length)]; break;
                case 2: bytes[random.Next(bytes.Length)] = (byte)(random.Next(2) == 0 ? 0xFF : 0x00); break;
                case 3: { int at = random.Next(bytes.Length); bytes = [.. bytes[..at], .. b[random.Next(b.Length)..]]; break; }
                case 4: { int at = random.Next(Math.Min(64, bytes.Length)); bytes[at] = 0xFF; if (at + 1 < bytes.Length) bytes[at + 1] = 0xFF; break; }
                default: { int at = random.Next(bytes.Length); int n = Math.Min(bytes.Length - at, random.Next(32)); bytes = [.. bytes[..(at + n)], .. bytes[at..]]; break; }
            }
        }
        return bytes;
    }
}
