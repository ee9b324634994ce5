using System.Globalization;
using System.Text;
using Doppel.Identities.Classification;
using Doppel.Jobs.Evaluation;
using Doppel.Matching.IO;
using Doppel.Vision.Pipeline;

namespace Doppel.Application.Evaluation;

/// <summary>
/// <c>eval classify</c>: labelled images (split per identity into train, test and unknown by
/// <see cref="ClassifierEvaluation.Split"/>) or the split and vectors an earlier <see cref="DumpFile"/> wrote.
/// </summary>
public sealed record EvaluateClassifierCommand(string Trainer, int Seed)
{
    public string? ImagesDir { get; init; }
    public string? LabelsFile { get; init; }

    /// <summary>Instead of images and labels: a dump's split and vectors (no inference).</summary>
    public string? VectorsFile { get; init; }

    public double TrainFraction { get; init; } = 0.7;
    public double UnknownFraction { get; init; } = 0.2;

    /// <summary>Write the split and vectors as CSV (role,identity,path,vector) here.</summary>
    public string? DumpFile { get; init; }
}

/// <param name="Model">The recogniser, or "dump" for vectors read from a dump.</param>
public sealed record ClassifierOutcome(string Model, string Trainer, ClassifierEvaluationResult Result, int WithoutFace);

/// <summary>Closed- and open-set identification accuracy of the identity classifier on a labelled set.</summary>
/// <param name="pipeline">Builds the face pipeline for images (not called for a dump).</param>
public sealed class EvaluateClassifierHandler(Func<FacePipeline> pipeline)
{
    public Action<int, int>? OnProgress { get; init; }

    public ClassifierOutcome Handle(EvaluateClassifierCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var options = new ClassifierOptions { Trainer = command.Trainer, Seed = command.Seed };
        if (command.VectorsFile is { } dumped)
        {
            var (ids, split, vecs) = ReadDump(dumped);
            return new ClassifierOutcome("dump", command.Trainer, ClassifierEvaluation.Run(ids, split, vecs, "dump", options), 0);
        }
        if (command.ImagesDir is not { } dir || command.LabelsFile is not { } labels)
            throw new ArgumentException("Give either --images DIR and --labels CSV, or --vectors FILE.");
        var identityOf = LabelsCsv.Read(labels)
            .ToDictionary(kv => Path.GetFullPath(Path.Combine(dir, kv.Key)), kv => kv.Value, StringComparer.Ordinal);
        var missing = identityOf.Keys.Where(p => !File.Exists(p)).Take(3).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException($"Labelled images not found under {dir}, e.g. {string.Join(", ", missing)}.");
        var roles = ClassifierEvaluation.Split(identityOf, command.TrainFraction, command.UnknownFraction, command.Seed);
        using var faces = pipeline();
        var vectors = PipelineEmbeddings.Embed(faces, roles.Keys.ToList(), OnProgress)
            .Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal);
        var model = faces.Embedders[0].Name;
        if (command.DumpFile is { } dumpFile)
        {
            var csv = new StringBuilder("role,identity,path,vector\n");
            foreach (var (path, role) in roles.OrderBy(r => r.Key, StringComparer.Ordinal))
                if (vectors.TryGetValue(path, out var v))
                    csv.Append(role.ToString().ToLowerInvariant()).Append(',').Append(identityOf[path].Replace(",", "_")).Append(',')
                        .Append(Path.GetRelativePath(dir, path).Replace(",", "_")).Append(',')
                        .Append(string.Join(' ', v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)))).Append('\n');
            File.WriteAllText(dumpFile, csv.ToString());
        }
        var result = ClassifierEvaluation.Run(identityOf, roles, vectors, model, options);
        return new ClassifierOutcome(model, command.Trainer, result, roles.Count - vectors.Count);
    }

    /// <summary>Reads a dump CSV back: identities, roles and vectors keyed by path.</summary>
    private static (Dictionary<string, string>, Dictionary<string, SplitRole>, Dictionary<string, float[]>) ReadDump(string file)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var roles = new Dictionary<string, SplitRole>(StringComparer.Ordinal);
        var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        int line = 0;
        foreach (var text in File.ReadLines(file))
        {
            if (line++ == 0) continue;
            var f = text.Split(',');
            if (f.Length != 4 || !Enum.TryParse<SplitRole>(f[0], ignoreCase: true, out var role))
                throw new FormatException($"{file}:{line}: expected 'role,identity,path,vector'.");
            ids[f[2]] = f[1];
            roles[f[2]] = role;
            vectors[f[2]] = f[3].Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        }
        return (ids, roles, vectors);
    }
}
