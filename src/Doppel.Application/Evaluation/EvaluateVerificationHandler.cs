using Doppel.Jobs.Evaluation;
using Doppel.Vision.Pipeline;

namespace Doppel.Application.Evaluation;

/// <summary><c>eval verify</c>: a View 2 pairs file (10-fold), or a train/test pair of files (LFW dev split).</summary>
public sealed record EvaluateVerificationCommand(string ImagesDir, string? PairsFile, string? TrainFile, string? TestFile);

/// <summary>The protocol's summary, with the scores split by truth for the report's histograms.</summary>
public sealed record VerificationOutcome(string Model, string Detector, VerificationSummary Summary,
    IReadOnlyList<double> SameScores, IReadOnlyList<double> DifferentScores);

/// <summary>
/// Face verification accuracy on LFW-protocol pairs (<see cref="VerificationProtocol"/>): every distinct
/// image through the pipeline once, the threshold chosen on nine folds (or on train) and tested on the rest.
/// </summary>
public sealed class EvaluateVerificationHandler(FacePipeline faces)
{
    /// <summary>(images done, images in all) as the pipeline goes.</summary>
    public Action<int, int>? OnProgress { get; init; }

    public VerificationOutcome Handle(EvaluateVerificationCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if ((command.PairsFile is null) == (command.TrainFile is null || command.TestFile is null))
            throw new ArgumentException("Give either a View 2 pairs file, or both a train and a test pairs file.");
        var summary = VerificationProtocol.Run(command.ImagesDir,
            command.PairsFile is { } p ? LfwPairs.Read(p) : null,
            command.TrainFile is { } tr ? LfwPairs.Read(tr) : null,
            command.TestFile is { } te ? LfwPairs.Read(te) : null,
            files => PipelineEmbeddings.Embed(faces, files, OnProgress));
        var s = summary.Evaluated;
        return new VerificationOutcome(faces.Embedders[0].Name, faces.Detector.Name, summary,
            SameScores: Enumerable.Range(0, s.Scores.Count).Where(i => s.Same[i]).Select(i => s.Scores[i]).ToList(),
            DifferentScores: Enumerable.Range(0, s.Scores.Count).Where(i => !s.Same[i]).Select(i => s.Scores[i]).ToList());
    }
}
