using Doppel.Models.Catalog;
using OpenCvSharp;

namespace Doppel.Vision.Embedding;

/// <summary>Writes an aligned 8-bit BGR crop into a float tensor slot in the spec's channel order,
/// normalisation and layout.</summary>
internal static class PixelTensor
{
    public static unsafe void Write(Mat bgr, EmbedderSpec spec, Span<float> into)
    {
        int w = spec.InputWidth, h = spec.InputHeight, plane = w * h;
        if (bgr.Width != w || bgr.Height != h || bgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"Crop must be {w}x{h} CV_8UC3, got {bgr.Width}x{bgr.Height} {bgr.Type()}.");
        if (spec.Channels == ChannelOrder.Gray)
            throw new NotSupportedException($"{spec.Name}: grayscale embedders are not supported.");
        // Tensor channel c takes BGR byte src[c]: RGB models read B last.
        Span<int> src = spec.Channels == ChannelOrder.Rgb ? [2, 1, 0] : [0, 1, 2];
        Span<float> scale = [1 / spec.Std[0], 1 / spec.Std[1], 1 / spec.Std[2]];
        Span<float> offset = [spec.Mean[0], spec.Mean[1], spec.Mean[2]];
        bool planar = spec.Layout == TensorLayout.Nchw;
        for (int y = 0; y < h; y++)
        {
            byte* row = (byte*)bgr.Ptr(y);
            for (int x = 0; x < w; x++)
            {
                byte* px = row + 3 * x;
                int at = y * w + x;
                for (int c = 0; c < 3; c++)
                {
                    float v = (px[src[c]] - offset[c]) * scale[c];
                    if (planar) into[c * plane + at] = v;
                    else into[3 * at + c] = v;
                }
            }
        }
    }
}
