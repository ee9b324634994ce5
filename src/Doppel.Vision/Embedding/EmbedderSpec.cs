using Doppel.Models;
using Doppel.Models.Catalog;
using Doppel.Vision.Alignment;

namespace Doppel.Vision.Embedding;

/// <summary>
/// Everything <see cref="OnnxFaceEmbedder"/> needs to know about one recognition network: crop
/// (template and size), pixel normalisation ((v − Mean[c]) / Std[c] in <see cref="Channels"/> order),
/// tensor layout, output length, and the cosine threshold for "same person" on its L2-normalised
/// vectors.
/// </summary>
public sealed record EmbedderSpec
{
    public required string Name { get; init; }
    public required AlignmentTemplate Template { get; init; }
    public required ChannelOrder Channels { get; init; }
    public required TensorLayout Layout { get; init; }
    public required IReadOnlyList<float> Mean { get; init; }
    public required IReadOnlyList<float> Std { get; init; }
    public required int Dimension { get; init; }
    public required float DefaultThreshold { get; init; }

    /// <summary>True when the raw output norm predicts recognisability (the profile's quality source:
    /// MobileFaceNet-192); dlib's does not.</summary>
    public bool NormIsQuality { get; init; }

    /// <summary>Model file; null means the installed catalogue model <see cref="Name"/>.</summary>
    public string? ModelPath { get; init; }

    public int InputWidth => Template.Width;
    public int InputHeight => Template.Height;

    public string ResolveModelPath(ModelPrecision precision = ModelPrecision.Float32) =>
        ModelPath ?? ModelStore.RequireFile(Name, ModelFileFor(precision));

    /// <summary>The installed file a session opens at this precision: the 8-bit graph when the
    /// catalogue entry has one and it is asked for, else the float graph.</summary>
    public string ModelFileFor(ModelPrecision precision) =>
        precision == ModelPrecision.Int8 && ModelCatalog.TryGet(Name, out var entry) && entry.Int8OnnxFile is { } int8
            ? int8.FileName
            : ModelNames.OnnxFile;

    /// <summary>
    /// dlib ResNet-29 (default recogniser): dlib 150x150 chip, RGB − [122.782, 117.001, 104.298], / 255,
    /// NCHW, 128-d; cosine on the normalised raw output, thresholds from its recognition profile
    /// (<see cref="RecognitionProfiles.DlibResNet29"/>).
    /// </summary>
    public static EmbedderSpec DlibResNet29 { get; } = new()
    {
        Name = ModelNames.DlibResNet29,
        Template = AlignmentTemplate.DlibChip150,
        Channels = ChannelOrder.Rgb,
        Layout = TensorLayout.Nchw,
        Mean = [122.782f, 117.001f, 104.298f],
        Std = [255f, 255f, 255f],
        Dimension = 128,
        DefaultThreshold = RecognitionProfiles.DlibResNet29.VerificationThreshold,
    };

    /// <summary>A spec for a catalogue embedder on the ArcFace 112 template (MobileFaceNets, SFace,
    /// faceplugin), taking normalisation and size from the catalogue entry.</summary>
    public static EmbedderSpec FromCatalog(string name, AlignmentTemplate? template = null, float? cosineThreshold = null)
    {
        var spec = ModelCatalog.Get(name);
        if (spec.Task != ModelTask.Embedder || spec.Input is null || spec.OutputDimension is null)
            throw new ArgumentException($"Model '{name}' is not an embedder.", nameof(name));
        if (name == ModelNames.DlibResNet29)
            return DlibResNet29;
        var input = spec.Input;
        var profile = RecognitionProfiles.For(name);
        // The framing of every catalogue recogniser but dlib, faceres included (scaled to its 224 input): a model framed
        // otherwise gets its template here, by name; its pixels are its catalogue InputSpec. Vectors carry the template
        // in their version, so a change re-embeds rather than mixing.
        var t = template ?? AlignmentTemplate.ArcFace112;
        if (t.Width != input.Width || t.Height != input.Height)
            t = Scale(t, input.Width, input.Height);
        return new EmbedderSpec
        {
            Name = name,
            Template = t,
            Channels = input.Channels,
            Layout = input.Layout,
            Mean = input.Mean,
            Std = input.Std,
            Dimension = spec.OutputDimension.Value,
            NormIsQuality = profile.Quality == QualitySource.EmbeddingNorm,
            DefaultThreshold = cosineThreshold ?? profile.VerificationThreshold,
        };
    }

    private static AlignmentTemplate Scale(AlignmentTemplate t, int width, int height)
    {
        float sx = (float)width / t.Width, sy = (float)height / t.Height;
        PointF S(PointF p) => new(p.X * sx, p.Y * sy);
        return new AlignmentTemplate($"{t.Name}@{width}x{height}", width, height, S(t.LeftEye), S(t.RightEye), S(t.Nose), S(t.MouthCenter),
            t.MouthLeft is { } ml ? S(ml) : null, t.MouthRight is { } mr ? S(mr) : null)
        {
            FivePoint = t.FivePoint is { } five ? Scale(five, width, height) : null,
            Shape51 = t.Shape51?.Select(S).ToArray(),
        };
    }
}
