using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Doppel.Cli.Infrastructure;
using Doppel.Jobs;
using Doppel.Models;
using Doppel.Storage.Sqlite;
using Doppel.Vision;
using Doppel.Vision.Alignment;
using Doppel.Vision.Decoding;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;
using OpenCvSharp;

namespace Doppel.Cli.Commands;

/// <summary><c>doppel detect IMAGE...</c>: faces, boxes, landmarks, scores and a status per image.
/// <c>doppel detect --db FILE [DIR...]</c> (the DeepFrame seed's detect mode): process every media file
/// of the catalog not processed yet, registering the images under DIR first.</summary>
public static class DetectCommand
{
    public static Command Create()
    {
        var images = new Argument<string[]>("images") { Description = "Image files to examine; with --db, folders (or files) to register first.", Arity = ArgumentArity.ZeroOrMore };
        var detector = new Option<string>("--detector") { Description = $"Detector model ({string.Join(", ", DetectorRegistry.DetectorNames)}).", DefaultValueFactory = _ => DetectorRegistry.Default };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Write an annotated copy of each image and 112x112 aligned face thumbnails here." };
        var json = new Option<bool>("--json") { Description = "One JSON object per image on stdout." };
        var minSize = new Option<float>("--min-size") { Description = "Smallest face box width in pixels to accept.", DefaultValueFactory = _ => new FacePipelineOptions().MinFaceSize }.Between(0, 100_000);
        var score = new Option<float?>("--score") { Description = "Detector score threshold (default: the detector's own)." }.Between(0, 1);
        var db = new Option<string?>("--db") { Description = "Catalog database file: process every image in it not processed yet (faces, landmarks and embeddings stored)." };
        var model = new Option<string>("--model") { Description = "With --db: the recogniser whose embeddings are stored with the faces.", DefaultValueFactory = _ => ModelProfiles.Selected().Embedder };
        var severalFaces = new Option<string>("--several-faces") { Description = "With --db, images with several faces: primary (default: the largest once weighted by closeness to the centre), largest (keep the largest), central (keep the one nearest the centre), all (keep every face), report (keep none).", DefaultValueFactory = _ => "primary" };
        severalFaces.AcceptOnlyFromAmong(PipelineOptions.SeveralFacesWords);
        var command = new Command("detect", "Find faces in images, or in every unprocessed image of a catalog (--db).") { images, detector, outDir, json, minSize, score, db, model, severalFaces };
        command.SetAction(parse => parse.GetValue(db) is { } catalogPath
            ? RunOnCatalog(catalogPath, parse.GetValue(images) ?? [], parse.GetValue(detector)!, parse.GetValue(model)!,
                new FacePipelineOptions { MinFaceSize = parse.GetValue(minSize), SeveralFaces = PipelineOptions.ParseSeveralFaces(parse.GetValue(severalFaces)!) },
                parse.GetValue(score), parse.GetValue(outDir) is not null || parse.GetValue(json))
            : Run(parse.GetValue(images) ?? [], parse.GetValue(detector)!, parse.GetValue(outDir), parse.GetValue(json), parse.GetValue(minSize), parse.GetValue(score)));
        return command;
    }

    private static int RunOnCatalog(string db, string[] dirs, string detectorName, string model, FacePipelineOptions pipelineOptions, float? score, bool imageModeOptions)
    {
        if (imageModeOptions)
        {
            Console.Error.WriteLine("error: --out and --json describe single images; with --db the results go to the catalog.");
            return 1;
        }
        Logging.Configure("detect");
        // Without folders there is nothing to register, so a missing catalog is a mistake, not a new one.
        // Opens the models only when some image is pending: a catalog with nothing new needs none installed.
        using var analyzer = new FacePipelineAnalyzer(new FacePipelineRecipe(detectorName, model) { DetectorScore = score, Options = pipelineOptions });
        CatalogDetect.PrintSummary(Task.Run(async () =>
        {
            await using var catalog = dirs.Length == 0 ? await CatalogCommands.OpenExistingAsync(db) : await Doppel.Application.CatalogDatabases.OpenAsync(db);
            return await CatalogDetect.RunAsync(catalog, analyzer, dirs);
        }).GetAwaiter().GetResult());
        return 0;
    }

    private static int Run(string[] images, string detectorName, DirectoryInfo? outDir, bool json, float minSize, float? score)
    {
        if (images.Length == 0)
        {
            Console.Error.WriteLine("error: name at least one image, or pass --db FILE to process a catalog.");
            return 1;
        }
        // A missing model or unknown detector goes to CliRunner: one error line, exit 1.
        using var detector = DetectorRegistry.Create(detectorName, score);
        var decoder = new ImageDecoder();
        if (outDir is not null) Directory.CreateDirectory(outDir.FullName);
        foreach (var path in images)
        {
            using var decoded = decoder.Decode(path);
            IReadOnlyList<DetectedFace> faces = decoded.IsOk ? detector.Detect(decoded.Image!) : [];
            var kept = faces.Where(f => f.Box.Width >= minSize).ToList();
            var status = !decoded.IsOk ? decoded.Status
                : faces.Count == 0 ? ImageStatus.NoFace
                : kept.Count == 0 ? ImageStatus.FaceTooSmall
                : kept.Count > 1 ? ImageStatus.SeveralFaces
                : ImageStatus.Ok;
            var detail = decoded.IsOk ? (status == ImageStatus.FaceTooSmall ? $"largest face {faces.Max(f => f.Box.Width):0} px < {minSize:0}" : null) : decoded.Detail;
            if (json)
                Console.WriteLine(JsonSerializer.Serialize(CliJson.Image(path, status, detail, decoded.Format, decoded.Width, decoded.Height, kept), CliJson.Options));
            else
            {
                Console.WriteLine($"{path}: {status.ToCode()}{(detail is null ? "" : $" ({detail})")}, {kept.Count} face(s)");
                foreach (var (f, i) in kept.Select((f, i) => (f, i)))
                    Console.WriteLine($"  face {i}: box {f.Box.X:0},{f.Box.Y:0} {f.Box.Width:0}x{f.Box.Height:0} score {f.Score:0.000}" +
                                      (f.Landmarks is { } l ? $" eyes ({l.LeftEye.X:0},{l.LeftEye.Y:0}) ({l.RightEye.X:0},{l.RightEye.Y:0}) nose ({l.Nose.X:0},{l.Nose.Y:0}) mouth ({l.MouthCenter.X:0},{l.MouthCenter.Y:0})" : ""));
            }
            if (outDir is not null && decoded.IsOk)
                WriteOutputs(outDir.FullName, path, decoded.Image!, kept);
        }
        return 0;
    }

    private static void WriteOutputs(string dir, string path, Mat image, IReadOnlyList<DetectedFace> faces)
    {
        var stem = Path.GetFileNameWithoutExtension(path);
        using var annotated = image.Clone();
        int thickness = Math.Max(1, Math.Max(image.Width, image.Height) / 400);
        for (int i = 0; i < faces.Count; i++)
        {
            var f = faces[i];
            Cv2.Rectangle(annotated, new Rect((int)f.Box.X, (int)f.Box.Y, (int)f.Box.Width, (int)f.Box.Height), Scalar.LimeGreen, thickness);
            Cv2.PutText(annotated, $"{i}:{f.Score:0.00}", new Point((int)f.Box.X, Math.Max(12, (int)f.Box.Y - 4)), HersheyFonts.HersheySimplex, 0.4 * thickness, Scalar.LimeGreen, thickness);
            if (f.Landmarks is { } l)
            {
                foreach (var p in new[] { l.LeftEye, l.RightEye, l.Nose, l.MouthCenter })
                    Cv2.Circle(annotated, new Point((int)p.X, (int)p.Y), 2 * thickness, Scalar.Red, -1);
                FaceAligner.WriteThumbnail(image, l, Path.Combine(dir, $"{stem}_face{i}.jpg"));
            }
        }
        Cv2.ImWrite(Path.Combine(dir, $"{stem}_faces.jpg"), annotated);
    }
}

/// <summary>JSON shapes shared by detect and embed (snake_case, stable field names).</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static object Image(string path, ImageStatus status, string? detail, string? format, int width, int height, IReadOnlyList<DetectedFace> faces, IReadOnlyList<float[]>? vectors = null) => new
    {
        Path = path,
        Status = status.ToCode(),
        Detail = detail,
        Format = format,
        Width = width,
        Height = height,
        Faces = faces.Select((f, i) => Face(f, vectors?[i])).ToArray(),
    };

    public static object Face(DetectedFace f, float[]? vector = null) => new
    {
        Box = new[] { f.Box.X, f.Box.Y, f.Box.Width, f.Box.Height },
        f.Score,
        Landmarks = f.Landmarks is { } l ? new
        {
            LeftEye = new[] { l.LeftEye.X, l.LeftEye.Y },
            RightEye = new[] { l.RightEye.X, l.RightEye.Y },
            Nose = new[] { l.Nose.X, l.Nose.Y },
            MouthCenter = new[] { l.MouthCenter.X, l.MouthCenter.Y },
            MouthLeft = l.MouthLeft is { } ml ? new[] { ml.X, ml.Y } : null,
            MouthRight = l.MouthRight is { } mr ? new[] { mr.X, mr.Y } : null,
            // The 68-point landmark models' whole iBUG 300-W shape, [[x, y], ...].
            Shape68 = l.Shape68?.Select(p => new[] { p.X, p.Y }).ToArray(),
        } : null,
        Embedding = vector,
    };
}
