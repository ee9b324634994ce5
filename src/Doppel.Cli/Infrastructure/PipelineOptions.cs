using System.CommandLine;
using Doppel.Jobs;
using Doppel.Vision;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;

namespace Doppel.Cli.Infrastructure;

/// <summary>The face-pipeline options shared by every command that analyses images (dedup,
/// eval verify, eval cluster, recognise): which detector and recogniser, TTA, face selection.</summary>
public sealed class PipelineOptions
{
    public Option<string> Detector { get; } = new("--detector") { Description = $"Face detector: {string.Join(", ", DetectorRegistry.DetectorNames)}.", DefaultValueFactory = _ => DetectorRegistry.Default };
    public Option<string> Model { get; } = new("--model") { Description = "Recogniser, or an ensemble 'a+b' (weights 'a*2+b'). Default: the selected profile's (doppel models install --profile).", DefaultValueFactory = _ => ModelProfiles.Selected().Embedder };
    public Option<bool> Flip { get; } = CreateFlip();
    public Option<bool> NoFlip { get; } = CreateNoFlip();
    public Option<int> Jitters { get; } = new Option<int>("--jitters") { Description = "Average this many perturbed alignments (dlib's num_jitters).", DefaultValueFactory = _ => 0 }.AtLeast(0);
    public Option<string> Precision { get; } = CreatePrecision();
    public Option<float> MinFace { get; } = new Option<float>("--min-face") { Description = "Smallest face box width in pixels.", DefaultValueFactory = _ => new FacePipelineOptions().MinFaceSize }.Between(0, 100_000);
    public Option<string> SeveralFaces { get; } = new("--several-faces") { Description = "Images with several faces: primary (default for collections: the largest once weighted by closeness to the centre), largest (keep the largest), central (keep the one nearest the centre), all (keep every face), report (keep none)." };

    /// <param name="severalFaces">The command's default face choice: "primary" for collections,
    /// "central" for evaluation sets whose labelled face is centred (LFW).</param>
    public static PipelineOptions Create(string severalFaces = "primary")
    {
        var options = new PipelineOptions();
        options.SeveralFaces.DefaultValueFactory = _ => severalFaces;
        options.SeveralFaces.AcceptOnlyFromAmong(SeveralFacesWords);
        return options;
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Detector, Model, Flip, NoFlip, Jitters, Precision, MinFace, SeveralFaces })
            command.Options.Add(option);
    }

    /// <summary><c>--flip</c> and <c>--no-flip</c>, shared with embed: neither leaves the choice to the recogniser's profile
    /// (dlib flips: its thresholds were fitted on flipped vectors).</summary>
    public static Option<bool> CreateFlip() => new("--flip") { Description = "Average each face with its mirror image (test-time augmentation). Default: as the recogniser's profile was fitted (dlib: on)." };

    public static Option<bool> CreateNoFlip() => new("--no-flip") { Description = "Embed each face once, not mirrored too (half dlib's embedding work, lower accuracy: the profile's thresholds were fitted with flip)." };

    /// <summary>True for <c>--flip</c>, false for <c>--no-flip</c>, null (the profile's choice) for neither.</summary>
    public static bool? FlipChoice(ParseResult parse, Option<bool> flip, Option<bool> noFlip) =>
        (parse.GetValue(flip), parse.GetValue(noFlip)) switch
        {
            (true, true) => throw new ArgumentException("Give --flip or --no-flip, not both."),
            (true, false) => true,
            (false, true) => false,
            _ => null,
        };

    /// <summary><c>--precision int8|float</c>, shared with commands that take no other pipeline option (embed).</summary>
    public static Option<string> CreatePrecision()
    {
        var option = new Option<string>("--precision") { Description = "Recogniser graph: int8 (8-bit, where the model has one; default) or float.", DefaultValueFactory = _ => "int8" };
        option.AcceptOnlyFromAmong("int8", "float");
        return option;
    }

    /// <summary>The <c>--precision</c> word (the option accepts only these words).</summary>
    public static ModelPrecision ParsePrecision(string word) => word == "float" ? ModelPrecision.Float32 : ModelPrecision.Int8;

    /// <summary>The words <c>--several-faces</c> accepts.</summary>
    public static readonly string[] SeveralFacesWords = ["primary", "largest", "central", "all", "report"];

    /// <summary>The <c>--several-faces</c> word as a policy (the option accepts only these words).</summary>
    public static SeveralFacesPolicy ParseSeveralFaces(string word) => word switch
    {
        "primary" => SeveralFacesPolicy.KeepPrimary,
        "largest" => SeveralFacesPolicy.KeepLargest,
        "central" => SeveralFacesPolicy.KeepCentral,
        "all" => SeveralFacesPolicy.KeepAll,
        "report" => SeveralFacesPolicy.Report,
        _ => throw new ArgumentException($"Unknown --several-faces '{word}'; known: {string.Join(", ", SeveralFacesWords)}."),
    };

    /// <summary>The pipeline the options describe, by name: nothing is opened until it is built.</summary>
    public FacePipelineRecipe Recipe(ParseResult parse) => new(parse.GetValue(Detector)!, parse.GetValue(Model)!)
    {
        EmbedderOptions = new EmbedderOptions
        {
            FlipTta = FlipChoice(parse, Flip, NoFlip),
            Jitters = parse.GetValue(Jitters),
            Precision = ParsePrecision(parse.GetValue(Precision)!),
        },
        Options = new FacePipelineOptions
        {
            MinFaceSize = parse.GetValue(MinFace),
            SeveralFaces = ParseSeveralFaces(parse.GetValue(SeveralFaces)!),
        },
    };

    /// <summary>The pipeline with its models open; throws when one is not installed.</summary>
    public FacePipeline Build(ParseResult parse) => Recipe(parse).Build();
}
