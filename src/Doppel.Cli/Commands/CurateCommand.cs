using System.CommandLine;
using System.Globalization;
using System.Text;
using Doppel.Cli.Infrastructure;
using Doppel.Identities.Curation;
using Doppel.Matching.IO;
using Doppel.Vision;

namespace Doppel.Cli.Commands;

/// <summary>
/// <c>doppel curate DIR --out DIR | --list FILE</c>: curate a training set of identity folders (the
/// FaceDuplicationFilter seed): per identity, drop faces below the quality floor, mislabels, near-copies of a better
/// face, keep K. Parse → embed and score faces → <see cref="CurationSet"/> → write: the decisions as CSV
/// (<c>path,identity,decision,reason,quality</c>), each identity's quality-weighted template (.npy + ids) and,
/// with --out, the kept photos copied to OUT/IDENTITY/.
/// </summary>
public static class CurateCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "Folder of identity folders: DIR/IDENTITY/photo.jpg." };
        var output = new Option<string?>("--out") { Description = "Folder to copy the kept photos into (OUT/IDENTITY/), with curation.csv and templates.npy beside them." };
        var list = new Option<string?>("--list") { Description = "Instead of copying: write the decisions CSV here (templates go to FILE.templates.npy)." };
        var keep = new Option<int?>("--keep") { Description = "Faces to keep per identity (default: every face that survives the other rules)." };
        var redundancy = new Option<float>("--redundancy") { Description = "Cosine (centred vectors) at or above which a face is a near-copy of a better one.", DefaultValueFactory = _ => new CurationOptions().Redundancy };
        var mislabel = new Option<float>("--mislabel") { Description = "Cosine (centred vectors) to the identity's robust centre below which a face is taken for a mislabel.", DefaultValueFactory = _ => new CurationOptions().Mislabel };
        var quality = new QualityOptions();
        var pipeline = PipelineOptions.Create();
        var command = new Command("curate", "Curate a training set: drop low-quality faces, mislabels and near-copies, keep the K faces that best represent each identity.")
        {
            dir, output, list, keep, redundancy, mislabel,
        };
        quality.AddTo(command);
        pipeline.AddTo(command);
        keep.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--keep must be at least 1."); });
        command.Validators.Add(r =>
        {
            if ((r.GetValue(output) is null) == (r.GetValue(list) is null))
                r.AddError("Give exactly one of --out DIR or --list FILE.");
        });
        command.SetAction(parse =>
        {
            Logging.Configure("curate");
            var root = parse.GetValue(dir)!.FullName;
            var outDir = parse.GetValue(output);
            if (outDir is not null)
                OutputFolders.RequireWritable(outDir, "output");
            var identities = ClassifyCommand.IdentityFolders(root);
            using var faces = (pipeline.Recipe(parse) with { Qualities = quality.Names(parse) }).Build();
            var model = faces.Embedders[0].Name;
            var labelled = new List<LabelledFace>();
            var noFace = new List<string>();
            ConsoleProgress? progress = null;
            int done = 0;
            foreach (var analysis in faces.AnalyzeManyAsync(identities.Keys.ToList()).ToBlockingEnumerable())
            {
                var face = analysis.Status is ImageStatus.Ok or ImageStatus.SeveralFaces ? analysis.Faces.FirstOrDefault() : null;
                if (face is not null && face.Embeddings.TryGetValue(model, out var v))
                    labelled.Add(new LabelledFace(analysis.Path, identities[analysis.Path], v, face.Quality ?? 0));
                else
                    noFace.Add(analysis.Path);
                (progress ??= new ConsoleProgress("images", identities.Count)).Report(++done);
            }
            progress?.Dispose();

            var result = CurationSet.Curate(labelled, new CurationOptions
            {
                Keep = parse.GetValue(keep),
                Redundancy = parse.GetValue(redundancy),
                Mislabel = parse.GetValue(mislabel),
                MinQuality = parse.GetValue(quality.MinQuality),
            });

            string csvPath, templatesPath;
            if (outDir is not null)
            {
                Directory.CreateDirectory(outDir);
                csvPath = Path.Combine(outDir, "curation.csv");
                templatesPath = Path.Combine(outDir, "templates.npy");
                foreach (var (face, decision) in result.Decisions.Where(d => d.Decision.Kept))
                {
                    var target = Path.Combine(outDir, face.Identity, Path.GetFileName(face.Path));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(face.Path, target, overwrite: true);
                }
            }
            else
            {
                csvPath = Path.GetFullPath(parse.GetValue(list)!);
                templatesPath = Path.ChangeExtension(csvPath, ".templates.npy");
            }
            WriteCsv(csvPath, root, result, noFace, identities);
            if (result.Templates.Count > 0)
            {
                var ids = result.Templates.Keys.Order(StringComparer.Ordinal).ToList();
                EmbeddingFiles.WriteNpy(new EmbeddingSet(ids, ids.SelectMany(id => result.Templates[id]).ToArray(), result.Templates[ids[0]].Length), templatesPath);
            }

            var counts = result.Decisions.GroupBy(d => d.Decision.Reason ?? "kept").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
            Console.WriteLine($"{identities.Count} photos of {identities.Values.Distinct().Count()} identities: {string.Join(", ", counts)}"
                + (noFace.Count > 0 ? $", no_face {noFace.Count}" : "") + $"; model {model}.");
            Console.WriteLine($"Decisions: {csvPath}; templates: {(result.Templates.Count > 0 ? templatesPath : "none")}");
            return 0;
        });
        return command;
    }

    private static void WriteCsv(string path, string root, CurationSetResult result, IReadOnlyList<string> noFace, IReadOnlyDictionary<string, string> identities)
    {
        var sb = new StringBuilder("path,identity,decision,reason,quality\n");
        foreach (var (face, d) in result.Decisions.OrderBy(d => d.Face.Path, StringComparer.Ordinal))
            sb.Append(CultureInfo.InvariantCulture, $"{Csv(Path.GetRelativePath(root, face.Path))},{Csv(face.Identity)},{(d.Kept ? "keep" : "drop")},{d.Reason ?? ""},{d.Quality:0.0000}\n");
        foreach (var p in noFace.Order(StringComparer.Ordinal))
            sb.Append(CultureInfo.InvariantCulture, $"{Csv(Path.GetRelativePath(root, p))},{Csv(identities[p])},drop,no_face,\n");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
    }

    private static string Csv(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : s;
}
