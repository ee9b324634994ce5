using Doppel.Models.Catalog;
using OpenCvSharp;

namespace Doppel.Vision.Embedding;

/// <summary>Writes an aligned 8-bit BGR crop into a float tensor slot in the spec's channel order,
/// normalisation and layout.</summary>
public static class PixelTensor
{
    public static unsafe void Write(Mat bgr, EmbedderSpec spec, Span<float> into)
    {
        int w = spec.InputWidth, h = spec.InputHeight, plane = w * h;
        if (bgr.Width != w || bgr.Height != h || bgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"Crop must be {w}x{h} CV_8UC3, got {bgr.Width}x{bgr.Height} {bgr.Type()}.");
        if (spec.Channels == ChannelOrder.Gray)
            throw new NotSupportedException($"{spec.Name}: grayscale embedders are not supported.");
        if (into.Length < 3 * plane)
            throw new ArgumentException($"Tensor slot holds {into.Length} values, the crop needs {3 * plane}.", nameof(into));
        // Tensor channel c takes BGR byte src[c]: RGB models read B last.
        int s0 = spec.Channels == ChannelOrder.Rgb ? 2 : 0, s2 = 2 - s0;
        float k0 = 1 / spec.Std[0], k1 = 1 / spec.Std[1], k2 = 1 / spec.Std[2];
        float m0 = spec.Mean[0], m1 = spec.Mean[1], m2 = spec.Mean[2];
        fixed (float* dst = into)
        {
            for (int y = 0; y < h; y++)
            {
                byte* px = (byte*)bgr.Ptr(y);
                if (spec.Layout == TensorLayout.Nchw)
                {
                    // Planar: one pointer per channel plane, advanced together along the row.
                    float* c0 = dst + y * w, c1 = c0 + plane, c2 = c1 + plane;
                    for (int x = 0; x < w; x++, px += 3)
                    {
                        c0[x] = (px[s0] - m0) * k0;
                        c1[x] = (px[1] - m1) * k1;
                        c2[x] = (px[s2] - m2) * k2;
                    }
                }
                else
                {
                    float* c = dst + 3 * y * w;
                    for (int x = 0; x < w; x++, px += 3, c += 3)
                    {
                        c[0] = (px[s0] - m0) * k0;
                        c[1] = (px[1] - m1) * k1;
                        c[2] = (px[s2] - m2) * k2;
                    }
                }
            }
        }
    }
}
