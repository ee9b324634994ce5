using System.CommandLine;
using System.Globalization;
using System.Text;
using Doppel.Cli.Infrastructure;
using Doppel.Identities.Curation;
using Doppel.Jobs.Reporting;
using Doppel.Matching.IO;
using Doppel.Reports.Curation;
using Doppel.Reports.Dedup;
using Doppel.Vision;
using Doppel.Vision.Decoding;

namespace Doppel.Cli.Commands;

/// <summary>
/// <c>doppel curate DIR --out DIR | --list FILE</c>: curate a training set of identity folders (the
/// FaceDuplicationFilter seed): per identity, drop faces below the quality floor, mislabels, near-copies of a better
/// face, keep K. Parse → embed and score faces → <see cref="CurationSet"/> → write: the decisions as CSV
/// (<c>path,identity,decision,reason,quality</c>, decision <c>kept</c> or <c>dropped</c>), each identity's
/// quality-weighted template (.npy + ids), with --out the kept photos copied to OUT/IDENTITY/, and with
/// --report an HTML page of every face kept and dropped, with its reason and quality.
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
        var selection = new Option<string>("--selection")
        {
            Description = "How the K kept faces are chosen: kfold (the seed's rule: the subset whose quality-weighted template best matches the left-out faces) or quality (the K best by quality).",
            DefaultValueFactory = _ => "kfold",
        };
        selection.AcceptOnlyFromAmong("kfold", "quality");
        var report = new Option<string?>("--report") { Description = "Also write an HTML report here: thumbnails of the kept and dropped faces of every identity, with reason and quality." };
        var quality = new QualityOptions();
        var pipeline = PipelineOptions.Create();
        var command = new Command("curate", "Curate a training set: drop low-quality faces, mislabels and near-copies, keep the K faces that best represent each identity.")
        {
            dir, output, list, keep, redundancy, mislabel, selection, report,
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
            var reportDir = parse.GetValue(report) is { } r ? Path.GetFullPath(r) : null;
            if (reportDir is not null)
            {
                OutputFolders.RequireWritable(reportDir, "report");
                ReportFolder.RequireReplaceable(reportDir);
            }
            var identities = ClassifyCommand.IdentityFolders(root);
            using var faces = quality.Apply(parse, pipeline.Recipe(parse)).Build();
            var model = faces.Embedders[0].Name;
            var labelled = new List<LabelledFace>();
            var landmarks = new Dictionary<string, FaceLandmarks>(StringComparer.Ordinal);
            var noFace = new List<string>();
            ConsoleProgress? progress = null;
            int done = 0;
            foreach (var analysis in faces.AnalyzeManyAsync(identities.Keys.ToList()).ToBlockingEnumerable())
            {
                var face = analysis.Status is ImageStatus.Ok or ImageStatus.SeveralFaces ? analysis.Faces.FirstOrDefault() : null;
                if (face is not null && face.Embeddings.TryGetValue(model, out var v))
                {
                    labelled.Add(new LabelledFace(analysis.Path, identities[analysis.Path], v, face.Quality ?? 0));
                    if (face.Detection.Landmarks is { } lm) landmarks[analysis.Path] = lm;
                }
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
                Selection = parse.GetValue(selection) == "quality" ? SubsetSelection.Quality : SubsetSelection.KFold,
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

            if (reportDir is not null)
            {
                var settings = new List<(string, string)> { ("model", model), ("quality", string.Join(",", faces.Qualities.Select(q => q.Name))) };
                if (parse.GetValue(keep) is int k) settings.Add(("keep", $"{k} ({parse.GetValue(selection)})"));
                settings.Add(("redundancy", parse.GetValue(redundancy).ToString(CultureInfo.InvariantCulture)));
                settings.Add(("mislabel", parse.GetValue(mislabel).ToString(CultureInfo.InvariantCulture)));
                if (parse.GetValue(quality.MinQuality) is float mq) settings.Add(("min quality", mq.ToString(CultureInfo.InvariantCulture)));
                var index = CurationReportWriter.Write(Report(root, result, noFace, identities, landmarks, settings), reportDir);
                Console.Error.WriteLine($"Report: {index}");
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
            sb.Append(CultureInfo.InvariantCulture, $"{Csv(Path.GetRelativePath(root, face.Path))},{Csv(face.Identity)},{(d.Kept ? "kept" : "dropped")},{d.Reason ?? ""},{d.Quality:0.0000}\n");
        foreach (var p in noFace.Order(StringComparer.Ordinal))
            sb.Append(CultureInfo.InvariantCulture, $"{Csv(Path.GetRelativePath(root, p))},{Csv(identities[p])},dropped,no_face,\n");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
    }

    /// <summary>The report's faces: aligned crops (cut when the report is drawn) where a face was found, the
    /// whole photo where none was.</summary>
    private static CurationReport Report(string root, CurationSetResult result, IReadOnlyList<string> noFace, IReadOnlyDictionary<string, string> identities,
        IReadOnlyDictionary<string, FaceLandmarks> landmarks, IReadOnlyList<(string, string)> settings)
    {
        var decoder = new ImageDecoder();
        ReportThumbnail Thumbnail(string path)
        {
            if (!landmarks.TryGetValue(path, out var lm))
                return ReportThumbnail.FromFile(path);
            var file = new FileInfo(path);
            var source = string.Create(CultureInfo.InvariantCulture, $"{path} {file.Length} {file.LastWriteTimeUtc.Ticks}");
            return FaceThumbnails.Aligned(decoder, path, source, lm);
        }
        var faces = result.Decisions.Select(d => new CuratedFace(d.Face.Path, d.Face.Identity, d.Decision.Kept, d.Decision.Reason, d.Decision.Quality, Thumbnail(d.Face.Path)))
            .Concat(noFace.Select(p => new CuratedFace(p, identities[p], false, "no_face", null, ReportThumbnail.FromFile(p))))
            .ToList();
        return new CurationReport(root, faces, settings);
    }

    private static string Csv(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : s;
}
