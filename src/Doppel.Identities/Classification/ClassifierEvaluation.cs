namespace Doppel.Identities.Classification;

/// <summary>Which images train, which test a known identity, which probe as unknown.</summary>
public enum SplitRole { Train, Test, Unknown }

/// <summary>What <c>doppel eval classify</c> reports.</summary>
public sealed record ClassifierEvaluationResult(
    double Accuracy,
    double OpenSetAccuracy,
    double UnknownRejected,
    double KnownAccepted,
    int Identities,
    int TrainImages,
    int TestImages,
    int UnknownImages,
    float Threshold);

/// <summary>
/// Closed- and open-set identification on labelled face vectors. A seeded share of the identities is
/// held out entirely (their faces probe as unknown); every other identity with at least two faces is
/// known: <c>trainFraction</c> of its faces (at least one, and at least one left) train, the rest test.
/// Accuracy is closed-set (the best identity, no rejection) on the known test faces; open-set accuracy
/// counts a known face right when it is accepted as its identity and an unknown face right when it is
/// rejected, over both.
/// </summary>
public static class ClassifierEvaluation
{
    public static IReadOnlyDictionary<string, SplitRole> Split(IReadOnlyDictionary<string, string> identityOf, double trainFraction, double unknownFraction, int seed)
    {
        if (!(trainFraction > 0 && trainFraction < 1)) throw new ArgumentException("--train-fraction must be between 0 and 1 (exclusive).");
        if (!(unknownFraction >= 0 && unknownFraction < 1)) throw new ArgumentException("--unknown-fraction must be in [0, 1).");
        var rng = new Random(seed);
        var identities = identityOf.GroupBy(kv => kv.Value).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Identity: g.Key, Items: g.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList())).ToList();
        var shuffled = identities.OrderBy(_ => rng.Next()).ToList();
        int unknownCount = (int)Math.Round(unknownFraction * shuffled.Count);
        var roles = new Dictionary<string, SplitRole>(StringComparer.Ordinal);
        for (int i = 0; i < shuffled.Count; i++)
        {
            var items = shuffled[i].Items.OrderBy(_ => rng.Next()).ToList();
            if (i < unknownCount)
            {
                foreach (var item in items) roles[item] = SplitRole.Unknown;
                continue;
            }
            if (items.Count < 2) continue; // one face can train or test, not both
            int train = Math.Clamp((int)Math.Round(trainFraction * items.Count), 1, items.Count - 1);
            for (int k = 0; k < items.Count; k++) roles[items[k]] = k < train ? SplitRole.Train : SplitRole.Test;
        }
        return roles;
    }

    /// <param name="vectors">Each item's face vector; items absent here (no face) are left out.</param>
    public static ClassifierEvaluationResult Run(IReadOnlyDictionary<string, string> identityOf, IReadOnlyDictionary<string, SplitRole> roles,
        IReadOnlyDictionary<string, float[]> vectors, string model, ClassifierOptions? options = null)
    {
        var train = roles.Where(r => r.Value == SplitRole.Train && vectors.ContainsKey(r.Key)).Select(r => r.Key).Order(StringComparer.Ordinal).ToList();
        var test = roles.Where(r => r.Value == SplitRole.Test && vectors.ContainsKey(r.Key)).Select(r => r.Key).Order(StringComparer.Ordinal).ToList();
        var unknown = roles.Where(r => r.Value == SplitRole.Unknown && vectors.ContainsKey(r.Key)).Select(r => r.Key).Order(StringComparer.Ordinal).ToList();
        if (test.Count == 0) throw new ArgumentException("No known identity has two images with a face: nothing to test.");
        var classifier = IdentityClassifier.Train(train.Select(t => vectors[t]).ToList(), train.Select(t => identityOf[t]).ToList(), model, options);
        int closed = 0, openKnown = 0, rejected = 0;
        foreach (var item in test)
        {
            var p = classifier.Predict(vectors[item]);
            if (p.BestIdentity == identityOf[item]) closed++;
            if (p.Identity == identityOf[item]) openKnown++;
        }
        foreach (var item in unknown)
            if (classifier.Predict(vectors[item]).Identity is null) rejected++;
        return new ClassifierEvaluationResult(
            (double)closed / test.Count,
            (double)(openKnown + rejected) / (test.Count + unknown.Count),
            unknown.Count > 0 ? (double)rejected / unknown.Count : 1,
            (double)openKnown / test.Count,
            train.Select(t => identityOf[t]).Distinct().Count(),
            train.Count, test.Count, unknown.Count, classifier.Metadata.Threshold);
    }
}
