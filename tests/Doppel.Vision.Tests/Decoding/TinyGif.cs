namespace Doppel.Vision.Tests.Decoding;

/// <summary>
/// Writes an animated GIF with a 4-colour palette, one solid colour per frame. LZW is kept trivial
/// by emitting a clear code before every pair of pixels, so every code stays 3 bits wide.
/// </summary>
internal static class TinyGif
{
    /// <summary>Palette: 0 red, 1 green, 2 blue, 3 white.</summary>
    public static byte[] Animated(int width, int height, params byte[] frameColourIndices)
    {
        var gif = new List<byte>();
        gif.AddRange("GIF89a"u8.ToArray());
        AddU16(gif, width);
        AddU16(gif, height);
        gif.AddRange([0xF1, 0x00, 0x00]); // global colour table of 4 entries
        gif.AddRange([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
        gif.AddRange([0x21, 0xFF, 0x0B]); // loop forever
        gif.AddRange("NETSCAPE2.0"u8.ToArray());
        gif.AddRange([0x03, 0x01, 0x00, 0x00, 0x00]);
        foreach (var colour in frameColourIndices)
        {
            gif.AddRange([0x21, 0xF9, 0x04, 0x00, 10, 0, 0x00, 0x00]); // 0.1 s delay
            gif.Add(0x2C);
            AddU16(gif, 0);
            AddU16(gif, 0);
            AddU16(gif, width);
            AddU16(gif, height);
            gif.Add(0x00);
            gif.Add(0x02); // LZW minimum code size: 2 bits per colour index
            var data = Lzw3Bit(Enumerable.Repeat(colour, width * height));
            for (int i = 0; i < data.Count; i += 255)
            {
                var block = data.Skip(i).Take(255).ToArray();
                gif.Add((byte)block.Length);
                gif.AddRange(block);
            }
            gif.Add(0x00);
        }
        gif.Add(0x3B);
        return gif.ToArray();
    }

    private static List<byte> Lzw3Bit(IEnumerable<byte> pixels)
    {
        const int clear = 4, end = 5;
        var codes = new List<int>();
        int inGroup = 0;
        foreach (var p in pixels)
        {
            if (inGroup == 0) codes.Add(clear);
            codes.Add(p);
            inGroup = (inGroup + 1) % 2;
        }
        codes.Add(end);
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var code in codes)
        {
            buffer |= code << bits;
            bits += 3;
            while (bits >= 8)
            {
                bytes.Add((byte)(buffer & 0xFF));
                buffer >>= 8;
                bits -= 8;
            }
        }
        if (bits > 0) bytes.Add((byte)buffer);
        return bytes;
    }

    private static void AddU16(List<byte> list, int value)
    {
        list.Add((byte)(value & 0xFF));
        list.Add((byte)(value >> 8));
    }
}
