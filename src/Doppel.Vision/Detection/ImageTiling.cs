using OpenCvSharp;

namespace Doppel.Vision.Detection;

/// <summary>
/// Overlapping tiles over a big or extreme-aspect image, and merging the faces found in them with
/// the faces of a pass over the whole image. Shared by <see cref="BlazeFaceDetector"/> (half-overlap
/// square tiles above 1024 px) and <see cref="SizedYuNetDetector"/>.
/// </summary>
public static class ImageTiling
{
    /// <summary>Tiles of at most <paramref name="tileWidth"/> x <paramref name="tileHeight"/> covering a
    /// <paramref name="width"/> x <paramref name="height"/> image; neighbours overlap by at least
    /// <paramref name="overlap"/> of a tile (0.5 = half).</summary>
    public static IEnumerable<Rect> Tiles(int width, int height, int tileWidth, int tileHeight, double overlap = 0.5)
    {
        foreach (var x in TileStarts(width, tileWidth, overlap))
            foreach (var y in TileStarts(height, tileHeight, overlap))
                yield return new Rect(x, y, Math.Min(tileWidth, width - x), Math.Min(tileHeight, height - y));
    }

    /// <summary>Evenly spaced starts of tiles of <paramref name="tile"/> along <paramref name="length"/>,
    /// first at 0, last flush with the end, steps of at most (1 − overlap) tiles.</summary>
    public static IEnumerable<int> TileStarts(int length, int tile, double overlap = 0.5)
    {
        if (length <= tile) { yield return 0; yield break; }
        int count = (int)Math.Ceiling((length - tile) / (tile * (1 - overlap))) + 1;
        for (int i = 0; i < count; i++)
            yield return (int)Math.Round((double)(length - tile) * i / (count - 1));
    }

    /// <summary>A face touching a tile's inner edge is cut; a neighbouring tile (or the full pass) holds it whole.</summary>
    public static bool CutByInnerEdge(BoxF b, Rect tile, int imageWidth, int imageHeight)
    {
        float margin = Math.Max(tile.Width, tile.Height) * 0.01f;
        bool cutLeft = tile.X > 0 && b.X <= tile.X + margin;
        bool cutTop = tile.Y > 0 && b.Y <= tile.Y + margin;
        bool cutRight = tile.Right < imageWidth && b.Right >= tile.Right - margin;
        bool cutBottom = tile.Bottom < imageHeight && b.Bottom >= tile.Bottom - margin;
        return cutLeft || cutTop || cutRight || cutBottom;
    }

    /// <summary>Greedy by score: a face is dropped when it overlaps a kept one by more than
    /// <paramref name="iou"/>, or when most of one lies inside the other (a tile can see a part of a
    /// face that the full pass saw whole). Best first.</summary>
    public static List<DetectedFace> SuppressOverlaps(IEnumerable<DetectedFace> faces, float iou)
    {
        var kept = new List<DetectedFace>();
        foreach (var face in faces.OrderByDescending(f => f.Score))
            if (kept.All(k => k.Box.IoU(face.Box) <= iou && !Contains(k.Box, face.Box) && !Contains(face.Box, k.Box)))
                kept.Add(face);
        return kept;
    }

    /// <summary>True when most (70 %) of <paramref name="inner"/> lies inside <paramref name="outer"/>.</summary>
    public static bool Contains(BoxF outer, BoxF inner) => inner.Area > 0 && IntersectionArea(outer, inner) / inner.Area > 0.7f;

    public static float IntersectionArea(BoxF a, BoxF b)
    {
        float ix = MathF.Max(0, MathF.Min(a.Right, b.Right) - MathF.Max(a.X, b.X));
        float iy = MathF.Max(0, MathF.Min(a.Bottom, b.Bottom) - MathF.Max(a.Y, b.Y));
        return ix * iy;
    }

    public static BoxF Clip(BoxF box, int width, int height)
    {
        float x0 = Math.Clamp(box.X, 0, width), y0 = Math.Clamp(box.Y, 0, height);
        float x1 = Math.Clamp(box.Right, 0, width), y1 = Math.Clamp(box.Bottom, 0, height);
        return new BoxF(x0, y0, x1 - x0, y1 - y0);
    }

    /// <summary>A face found in a copy of the image with <paramref name="dx"/>, <paramref name="dy"/>
    /// pixels of border added left and top, in the original image's pixels (box clipped to it).</summary>
    public static DetectedFace Unpad(DetectedFace face, float dx, float dy, int width, int height)
    {
        PointF Shift(PointF p) => new(p.X - dx, p.Y - dy);
        return face with
        {
            Box = Clip(face.Box with { X = face.Box.X - dx, Y = face.Box.Y - dy }, width, height),
            Landmarks = face.Landmarks?.Map(Shift),
        };
    }
}
