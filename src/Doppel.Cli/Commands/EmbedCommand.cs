using System.CommandLine;
using System.Text.Json;
using Doppel.Cli.Infrastructure;
using Doppel.Models;
using Doppel.Vision;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;

namespace Doppel.Cli.Commands;

/// <summary><c>doppel embed IMAGE...</c>: the face vector(s) of each image under one recogniser.</summary>
public static class EmbedCommand
{
    public static Command Create()
    {
        var images = new Argument<string[]>("images") { Description = "Image files to embed.", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string>("--model") { Description = "Recogniser model name.", DefaultValueFactory = _ => ModelNames.DlibResNet29 };
        var flip = PipelineOptions.CreateFlip();
        var noFlip = PipelineOptions.CreateNoFlip();
        var jitters = new Option<int>("--jitters") { Description = "Average this many randomly perturbed alignments (dlib's num_jitters).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var precision = PipelineOptions.CreatePrecision();
        var json = new Option<bool>("--json") { Description = "One JSON object per image on stdout, vectors included." };
        var command = new Command("embed", "Compute face embeddings (one face per image: the primary one, the largest weighted by closeness to the centre).") { images, model, flip, noFlip, jitters, precision, json };
        command.SetAction(parse => Run(parse.GetValue(images)!, parse.GetValue(model)!, new EmbedderOptions
        {
            FlipTta = PipelineOptions.FlipChoice(parse, flip, noFlip),
            Jitters = parse.GetValue(jitters),
            Precision = PipelineOptions.ParsePrecision(parse.GetValue(precision)!),
        }, parse.GetValue(json)));
        return command;
    }

    private static int Run(string[] images, string modelName, EmbedderOptions options, bool json)
    {
        // A missing or unknown model goes to CliRunner: one error line, exit 1.
        var spec = EmbedderSpec.FromCatalog(modelName);
        var detector = DetectorRegistry.Create(DetectorRegistry.Default);
        FacePipeline pipeline;
        try
        {
            pipeline = new FacePipeline(detector, [new OnnxFaceEmbedder(spec, options)]);
        }
        catch
        {
            detector.Dispose();
            throw;
        }
        using var _ = pipeline;
        var embedderName = pipeline.Embedders[0].Name;
        foreach (var result in pipeline.AnalyzeMany(images))
        {
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(
                    CliJson.Image(result.Path, result.Status, result.Detail, result.Format, result.Width, result.Height,
                        result.Faces.Select(f => f.Detection).ToList(), result.Faces.Select(f => f.Embeddings[embedderName]).ToList()),
                    CliJson.Options));
                continue;
            }
            Console.WriteLine($"{result.Path}: {result.Status.ToCode()}{(result.Detail is null ? "" : $" ({result.Detail})")}");
            foreach (var face in result.Faces)
            {
                var v = face.Embeddings[embedderName];
                Console.WriteLine($"  {embedderName} [{v.Length}]: {string.Join(" ", v.Take(8).Select(x => x.ToString("0.0000")))} ...");
            }
        }
        return 0;
    }
}
