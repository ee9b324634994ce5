using Doppel.Testing;
using OpenCvSharp;

namespace Doppel.Vision.Tests.Decoding;

/// <summary>What the decoder test classes share: a temporary folder for the files they write, and a small
/// marker image encoded in any format.</summary>
public abstract class DecoderTestFolder : IDisposable
{
    protected DecoderTestFolder(string label) => Folder = RepoPaths.NewTempDir(label);

    /// <summary>The temporary folder, deleted with the test class.</summary>
    protected string Folder { get; }

    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>60 wide, 40 tall, grey with a red 20x20 block in the top-left corner.</summary>
    protected static Mat Marker()
    {
        var mat = new Mat(40, 60, MatType.CV_8UC3, new Scalar(128, 128, 128));
        mat[new Rect(0, 0, 20, 20)].SetTo(new Scalar(0, 0, 255));
        return mat;
    }

    protected static byte[] Encode(Mat mat, string ext, params ImageEncodingParam[] p)
    {
        Cv2.ImEncode(ext, mat, out var bytes, p);
        return bytes;
    }
}
