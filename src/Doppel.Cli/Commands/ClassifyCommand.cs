using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Doppel.Application.Evaluation;
using Doppel.Cli.Infrastructure;
using Doppel.Identities.Classification;
using Doppel.Jobs.Evaluation;

namespace Doppel.Cli.Commands;

/// <summary>
/// <c>doppel classify train|predict</c> and <c>doppel eval classify</c>: the FaceNet tutorial's
/// identity classifier (identity folders → face vectors → a linear ML.NET classifier) with open-set
/// rejection (<see cref="IdentityClassifier"/>).
/// </summary>
public static class ClassifyCommand
{

    public static Command Create()
    {
        var classify = new Command("classify", "Train an identity classifier on face vectors, or name the person in photos.");
        classify.Subcommands.Add(Train());
        classify.Subcommands.Add(Predict());
        return classify;
    }

    private static Option<string> TrainerOption()
    {
        var trainer = new Option<string>("--trainer")
        {
            Description = "template (nearest identity template; default, measured best on LFW dev) or an ML.NET trainer: lbfgs (maximum entropy), sdca, svm (one-versus-all linear SVM).",
            DefaultValueFactory = _ => IdentityClassifier.Template,
        };
        trainer.AcceptOnlyFromAmong([.. IdentityClassifier.Trainers]);
        return trainer;
    }

    private static Command Train()
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of identity folders: DIR/IDENTITY/photo.jpg.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Model file to write (MODEL and MODEL.json).", Required = true };
        var trainer = TrainerOption();
        var pipeline = PipelineOptions.Create();
        var command = new Command("train", "Train a classifier on identity folders (one face per photo, the largest).") { images, output, trainer };
        pipeline.AddTo(command);
        command.SetAction(parse =>
        {
            Logging.Configure("classify-train");
            var dir = parse.GetValue(images)!.FullName;
            var identities = IdentityFolders(dir);
            using var faces = pipeline.Build(parse);
            var vectors = Embed(faces, identities.Keys.ToList());
            var kept = identities.Keys.Where(vectors.ContainsKey).Order(StringComparer.Ordinal).ToList();
            var classifier = IdentityClassifier.Train(kept.Select(k => vectors[k]).ToList(), kept.Select(k => identities[k]).ToList(),
                faces.Embedders[0].Name, new ClassifierOptions { Trainer = parse.GetValue(trainer)! });
            var path = parse.GetValue(output)!.FullName;
            classifier.Save(path);
            Console.WriteLine($"Trained ({classifier.Metadata.Trainer}) on {kept.Count} faces of {classifier.Metadata.Templates.Count} identities ({identities.Count - kept.Count} photos without a face); open-set threshold {classifier.Metadata.Threshold:0.000}; wrote {path}");
            return 0;
        });
        return command;
    }

    private static Command Predict()
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "A model written by classify train." };
        var files = new Argument<string[]>("IMAGE") { Description = "Photos to identify.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "One JSON object per photo." };
        var pipeline = PipelineOptions.Create();
        var command = new Command("predict", "Name the person in each photo, or 'unknown' when the face is not close enough to any trained identity.") { model, files, json };
        pipeline.AddTo(command);
        command.SetAction(parse =>
        {
            Logging.Configure("classify-predict");
            var classifier = IdentityClassifier.Load(parse.GetValue(model)!.FullName);
            var photos = parse.GetValue(files)!.Select(Path.GetFullPath).ToList();
            foreach (var missing in photos.Where(p => !File.Exists(p)).Take(1))
                throw new FileNotFoundException($"Image '{missing}' does not exist.", missing);
            using var faces = pipeline.Build(parse);
            if (faces.Embedders[0].Name != classifier.Metadata.Model)
                throw new ArgumentException($"The classifier was trained on {classifier.Metadata.Model} vectors; run with --model {classifier.Metadata.Model}.");
            var vectors = Embed(faces, photos);
            foreach (var photo in photos)
            {
                var p = vectors.TryGetValue(photo, out var v) ? classifier.Predict(v) : null;
                if (parse.GetValue(json))
                    Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                    {
                        ["path"] = photo,
                        ["identity"] = p is null ? null : p.Identity ?? "unknown",
                        ["best_identity"] = p?.BestIdentity,
                        ["probability"] = p?.Probability,
                        ["similarity"] = p?.TemplateSimilarity,
                        ["status"] = p is null ? "no_face" : "ok",
                    }));
                else
                    Console.WriteLine(p is null ? $"{photo}\tno face"
                        : string.Create(CultureInfo.InvariantCulture, $"{photo}\t{p.Identity ?? "unknown"}\t(best {p.BestIdentity}, similarity {p.TemplateSimilarity:0.000}{(p.Probability is float pr ? $", p {pr:0.000}" : "")})"));
            }
            return 0;
        });
        return command;
    }

    /// <summary><c>doppel eval classify</c>.</summary>
    public static Command CreateEval()
    {
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder the labels' paths are relative to." };
        var labels = new Option<FileInfo?>("--labels") { Description = "CSV 'path,identity'." };
        var vectorsFile = new Option<FileInfo?>("--vectors") { Description = "Instead of --images/--labels: the split and vectors a --dump wrote (no inference; compares trainers on identical data)." };
        var trainFraction = new Option<double>("--train-fraction") { Description = "Share of each known identity's photos that train (the rest test).", DefaultValueFactory = _ => 0.7 };
        var unknownFraction = new Option<double>("--unknown-fraction") { Description = "Share of identities held out entirely, whose photos must come out 'unknown'.", DefaultValueFactory = _ => 0.2 };
        var seed = new Option<int>("--seed") { Description = "Seed of the split.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (accuracy, open_set_accuracy, identities, train_images, test_images, ...)." };
        var dump = new Option<FileInfo?>("--dump") { Description = "Write the split and vectors as CSV (role,identity,path,vector) for the peer comparison (bench/peers/classify_peers.py)." };
        var trainer = TrainerOption();
        var pipeline = PipelineOptions.Create();
        var command = new Command("classify", "Closed- and open-set identification accuracy of the classifier on a labelled set.")
        {
            images, labels, vectorsFile, trainFraction, unknownFraction, seed, json, dump, trainer,
        };
        pipeline.AddTo(command);
        command.Validators.Add(result =>
        {
            bool fromImages = result.GetValue(images) is not null && result.GetValue(labels) is not null;
            if (fromImages == (result.GetValue(vectorsFile) is not null))
                result.AddError("Give either --images DIR and --labels CSV, or --vectors FILE.");
        });
        command.SetAction(parse =>
        {
            Logging.Configure("eval-classify");
            ConsoleProgress? progress = null;
            var outcome = new EvaluateClassifierHandler(() => pipeline.Build(parse))
            {
                OnProgress = (done, total) => (progress ??= new ConsoleProgress("images", total)).Report(done),
            }.Handle(new EvaluateClassifierCommand(parse.GetValue(trainer)!, parse.GetValue(seed))
            {
                ImagesDir = parse.GetValue(images)?.FullName,
                LabelsFile = parse.GetValue(labels)?.FullName,
                VectorsFile = parse.GetValue(vectorsFile)?.FullName,
                TrainFraction = parse.GetValue(trainFraction),
                UnknownFraction = parse.GetValue(unknownFraction),
                DumpFile = parse.GetValue(dump)?.FullName,
            });
            progress?.Dispose();
            Print(parse.GetValue(json), outcome.Model, outcome.Trainer, outcome.Result, outcome.WithoutFace);
            return 0;
        });
        return command;
    }

    private static void Print(bool json, string model, string trainer, ClassifierEvaluationResult result, int withoutFace)
    {
        if (json)
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["model"] = model,
                ["trainer"] = trainer,
                ["accuracy"] = result.Accuracy,
                ["open_set_accuracy"] = result.OpenSetAccuracy,
                ["known_accepted"] = result.KnownAccepted,
                ["unknown_rejected"] = result.UnknownRejected,
                ["identities"] = result.Identities,
                ["train_images"] = result.TrainImages,
                ["test_images"] = result.TestImages,
                ["unknown_images"] = result.UnknownImages,
                ["threshold"] = result.Threshold,
                ["images_without_face"] = withoutFace,
            }));
        else
        {
            Console.WriteLine($"{model}, {trainer}: {result.Identities} identities, {result.TrainImages} train / {result.TestImages} test images, {result.UnknownImages} unknown probes ({withoutFace} photos without a face)");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"accuracy {result.Accuracy:P2}; open-set accuracy {result.OpenSetAccuracy:P2} (known accepted {result.KnownAccepted:P1}, unknown rejected {result.UnknownRejected:P1}, threshold {result.Threshold:0.000})"));
        }
    }

    /// <summary>Every image under DIR/IDENTITY/ with its identity (the folder name).</summary>
    internal static Dictionary<string, string> IdentityFolders(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Images folder '{dir}' does not exist.");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                result[Path.GetFullPath(file)] = Path.GetFileName(folder);
        if (result.Count == 0) throw new ArgumentException($"'{dir}' holds no identity folders with photos (expected DIR/IDENTITY/photo.jpg).");
        return result;
    }

    private static Dictionary<string, float[]> Embed(Doppel.Vision.Pipeline.FacePipeline faces, IReadOnlyList<string> paths)
    {
        ConsoleProgress? progress = null;
        var vectors = PipelineEmbeddings.Embed(faces, paths, (done, total) => (progress ??= new ConsoleProgress("images", total)).Report(done));
        progress?.Dispose();
        return vectors.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal);
    }
}
