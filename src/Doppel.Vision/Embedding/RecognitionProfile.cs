using Doppel.Matching;
using Doppel.Matching.Clustering;
using Doppel.Models;

namespace Doppel.Vision.Embedding;

/// <summary>Where a face's quality score comes from.</summary>
public enum QualitySource
{
    /// <summary>No quality score (dlib: its raw output norm does not predict recognisability).</summary>
    None,

    /// <summary>The recogniser's raw output norm (MobileFaceNet-192: the lowest norms are goggles, hands, profiles).</summary>
    EmbeddingNorm,
}

/// <summary>
/// Everything Doppel decides per recogniser, in one place: the metric (cosine on L2-normalised vectors,
/// for every model), the verification threshold (LFW protocol), the dedup threshold on the score the
/// profile's normalisation gives, the normalisation and calibration of that score, the clustering row
/// and the quality source. The numbers, their measurement and the commands that reproduce them are in
/// docs/benchmarks.md ("Trustworthy findings"); <see cref="RecognitionProfiles"/> holds the table.
/// </summary>
public sealed record RecognitionProfile
{
    /// <summary>Embedder name as <see cref="EmbedderRegistry"/> reads it: a catalogue model or an ensemble with
    /// its weights (vectors are stored under the members' names without weights; the weights are in their version).</summary>
    public required string Model { get; init; }

    /// <summary>Cosine threshold for "same person" in LFW verification (tuned on pairsDevTrain).</summary>
    public required float VerificationThreshold { get; init; }

    /// <summary>Best all-pairs F1 threshold on the raw cosine (no normalisation): what an ensemble's
    /// weighted mean rule reads for its members.</summary>
    public required float RawDedupThreshold { get; init; }

    /// <summary>Scores are normalised against each face's level in the profile's reference cohort before the
    /// dedup threshold and the calibration apply; null = raw cosine.</summary>
    public CohortNormalisation? Normalisation { get; init; }

    /// <summary>The reference cohorts of <see cref="Normalisation"/>, one per vector version the profile was
    /// measured with (the 8-bit and the float graph make slightly different vectors).</summary>
    public IReadOnlyList<CohortResource> Cohorts { get; init; } = [];

    /// <summary>The cohort made with vectors of <paramref name="modelVersion"/>, or null when none was: then every
    /// face gets the normalisation's fallback level (a raw threshold, no hub correction) rather than being
    /// levelled against vectors of another model file, crop or augmentation.</summary>
    public ReferenceCohort? CohortFor(string? modelVersion) =>
        modelVersion is null ? null
        : NormalisedMembers is { } members ? FusedCohorts(members).FirstOrDefault(c => c.ModelVersion == modelVersion)
        : Cohorts.Select(c => c.Cohort).FirstOrDefault(c => c.ModelVersion == modelVersion);

    /// <summary>A fusion scored as the weighted sum of its members' own normalised scores: each member's profile (its
    /// normalisation and cohorts) and weight, in the ensemble's order, weights as the fused vector has them (summing to 1).
    /// Its cohorts are the members' (<see cref="ReferenceCohort.Fuse"/>), one per combination of member versions; its
    /// <see cref="Normalisation"/> carries the weighted fallback level. Null for a single recogniser or a raw-cosine fusion.</summary>
    public IReadOnlyList<(RecognitionProfile Profile, float Weight)>? NormalisedMembers { get; init; }

    private IReadOnlyList<ReferenceCohort>? _fusedCohorts;

    private IReadOnlyList<ReferenceCohort> FusedCohorts(IReadOnlyList<(RecognitionProfile Profile, float Weight)> members) =>
        LazyInitializer.EnsureInitialized(ref _fusedCohorts, () =>
        {
            IEnumerable<List<(ReferenceCohort Cohort, CohortNormalisation Normalisation, float Weight)>> combinations = [[]];
            foreach (var (profile, weight) in members)
            {
                var normalisation = profile.Normalisation
                    ?? throw new InvalidOperationException($"Fusion member {profile.Model} does not normalise its scores.");
                combinations = combinations.SelectMany(_ => profile.Cohorts, (chosen, c) => new List<(ReferenceCohort, CohortNormalisation, float)>(chosen) { (c.Cohort, normalisation, weight) });
            }
            return combinations.Select(chosen => ReferenceCohort.Fuse(EnsembleEmbedder.Version(chosen.Select(m => (m.Cohort.ModelVersion, m.Weight))),
                chosen.Select(m => new FusedCohortMember(m.Cohort, m.Normalisation, m.Weight)).ToList())).ToList();
        });

    /// <summary>The dedup threshold on the profile's score (normalised when <see cref="Normalisation"/> is set).</summary>
    public required float DedupThreshold { get; init; }

    /// <summary>Match probability from the profile's score; null when none was fitted (an ad-hoc ensemble).</summary>
    public MatchCalibration? Calibration { get; init; }

    /// <summary>Average-linkage groups join two parts only when their mean score reaches the score at which
    /// <see cref="Calibration"/> gives this match probability (never below the pair threshold): a reviewer
    /// accepts or rejects a group as one person, so a group asks for more than a pair. Pairs between the pair
    /// threshold and that cut are still findings, listed apart from the groups. Null (or no calibration):
    /// groups cut at the pair threshold.</summary>
    public double? GroupMinProbability { get; init; }

    public QualitySource Quality { get; init; }

    /// <summary>The profile's vectors average each face with its mirror image (test-time augmentation): what its
    /// thresholds, cohort and calibration were fitted on, so what the pipeline makes unless told otherwise
    /// (<see cref="EmbedderOptions.FlipTta"/>). Costs one more inference per face.</summary>
    public bool FlipTta { get; init; }

    /// <summary>False for a profile made up by rule for a model or ensemble nobody measured.</summary>
    public bool Measured { get; init; } = true;

    /// <summary>The clustering parameters (recognise, recluster, eval cluster) of this model's vectors.</summary>
    public ModelClusterDefaults Cluster => ClusterDefaults.For(Model);

    /// <summary>The normalised score of a pair whose faces have these levels (the raw score without normalisation).</summary>
    public float Score(float cosine, float levelA, float levelB) =>
        Normalisation is null ? cosine : CohortNormalisation.Normalise(cosine, levelA, levelB);

    /// <summary>The cosine distance at which persons cut (<c>ClusterAlgorithm.Average</c>, the persons
    /// <c>eval cluster</c> scores by default): the dedup's group cut (<see cref="GroupCut"/> at the pair
    /// threshold), on cosine levelled by <see cref="LevelOffsets"/>, so a person is what a dedup group is.
    /// dlib with flip: 1 − (0.0333 + 0.9147) = 0.0520 at the group cut of p 0.8 (0.0558 at p 0.6; docs/benchmarks-clustering.md,
    /// "Persons on normalised scores", and docs/benchmarks.md, "Flip" and "Groups ask for odds of 4 to 1").</summary>
    public float PersonsMaxDistance => 1f - (GroupCut(DedupThreshold) + (Normalisation?.FallbackLevel ?? 0f));

    /// <summary>Each row's cohort level minus <see cref="CohortNormalisation.FallbackLevel"/>: cos − the mean of two
    /// rows' offsets is the profile's normalised score plus that fallback level, a cosine on the raw scale (a face at
    /// the median level keeps its cosine). Null when the profile does not normalise. Costs one dot product per
    /// vector and cohort member (dlib: 3,443 per face), the work the dedup does for its levels.</summary>
    public float[]? LevelOffsets(VectorSet vectors, string? modelVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (Normalisation is not { } normalisation)
            return null;
        var levels = normalisation.Levels(vectors, CohortFor(modelVersion), cancellationToken);
        for (int i = 0; i < levels.Length; i++)
            levels[i] -= normalisation.FallbackLevel;
        return levels;
    }

    /// <summary>The match probability of a score of this profile, or null without a calibration.</summary>
    public double? Probability(float score) => Calibration?.Probability(score);

    /// <summary>The mean score at which average linkage cuts groups when pairs are found at <paramref name="threshold"/>:
    /// the score of <see cref="GroupMinProbability"/>, or the threshold when that is higher or there is none.</summary>
    public float GroupCut(float threshold) =>
        GroupMinProbability is double p && Calibration is { } calibration ? Math.Max(threshold, (float)calibration.ScoreAt(p)) : threshold;

    /// <summary>How many faces the set the <see cref="Calibration"/> was fitted on held; null = no set-size correction.</summary>
    public int? CalibrationFaces { get; init; }

    /// <summary>
    /// <see cref="GroupCut(float)"/> for a set of <paramref name="faces"/> faces. The calibration's probability holds for a
    /// collection the size of its fitting set: the pairs of different people grow as n² while those of one person grow as n,
    /// so in a set k times larger a pair at the same score is a match with prior odds k times lower. Above
    /// <see cref="CalibrationFaces"/> the cut asks for <see cref="GroupMinProbability"/> after that prior correction
    /// (log-odds + ln k); smaller sets keep the fitted cut. Pairs below the cut stay findings, listed apart. dlib on all
    /// 4,992 LFW dev images (before flip): cut 0.0300 → 0.0316, grouped images in mixed groups 5.1 → 3.9 %; sets up to
    /// 3,443 faces (the LFW held-out people, ORL, Yale) unchanged (docs/benchmarks.md, "Mixed groups on all of LFW dev").
    /// </summary>
    public float GroupCut(float threshold, int faces)
    {
        if (GroupMinProbability is not double p || Calibration is not { } calibration || CalibrationFaces is not int fitted || faces <= fitted)
            return GroupCut(threshold);
        double logit = Math.Log(p / (1 - p)) + Math.Log((double)faces / fitted);
        return Math.Max(threshold, (float)calibration.ScoreAt(1 / (1 + Math.Exp(-logit))));
    }
}

/// <summary>
/// The recognition profile of every recogniser and measured ensemble. Fitted on the LFW dev images of
/// the 2,132 people in pairsDevTrain (3,442 images, all 5.9 M pairs), never on the 963 people of
/// pairsDevTest, ORL or Yale, which docs/benchmarks.md reports as held-out.
/// </summary>
public static class RecognitionProfiles
{
    /// <summary>
    /// The match probability at which every measured profile's groups join (<see cref="RecognitionProfile.GroupMinProbability"/>):
    /// 0.8, odds of 4 to 1, where pairs are found at about p 0.45. It is a policy, not a fit: a reviewer accepts or rejects a
    /// group as one person, and a group that joins two people can delay or deny someone's assistance, while a pair that no
    /// group holds together is still a finding, listed apart ("Pairs no group holds together"); so a wrong join is weighed
    /// as four missed ones. On the fitting people (the 3,443 LFW dev images of pairsDevTrain), p 0.6 → 0.8 takes the
    /// licence-clean fusion's grouped images in mixed groups 2.2 → 0.8 % for BCubed F 0.969 → 0.964, dlib alone 3.2 →
    /// 1.3 % for 0.959 → 0.947 (docs/benchmarks.md, "Groups ask for odds of 4 to 1"). Until 2026-12-08: 0.6.
    /// </summary>
    public const double DefaultGroupMinProbability = 0.8;

    /// <summary>Whether <paramref name="p"/> can be a group's match probability: strictly between 0 and 1 (NaN is not).</summary>
    public static bool IsGroupProbability(double p) => p > 0 && p < 1;

    /// <summary>The profile with groups joining at <paramref name="groupMinProbability"/> (a run's <c>--group-probability</c>),
    /// or the profile itself for null. Throws for a probability outside (0, 1).</summary>
    public static RecognitionProfile WithGroupProbability(RecognitionProfile profile, double? groupMinProbability)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (groupMinProbability is not double p)
            return profile;
        if (!IsGroupProbability(p))
            throw new ArgumentOutOfRangeException(nameof(groupMinProbability), p, "A group's match probability must lie between 0 and 1 (exclusive).");
        return profile with { GroupMinProbability = p };
    }

    /// <summary>The images every measured profile was fitted on: the 3,443 LFW dev images of the pairsDevTrain people
    /// (<see cref="RecognitionProfile.CalibrationFaces"/>).</summary>
    private const int FittingSetFaces = 3443;

    /// <summary>Levels against a reference cohort by the rule chosen for dlib (the best fitting-set F1 of quantile
    /// 0.99/0.995/0.998 × bound 0.93/0.95/0.97) and kept for faceres and the fusion: each face's 99.5th percentile of its
    /// similarities to the cohort, members at or above 0.95 left out, at least 100 of them, else <paramref name="fallbackLevel"/>.</summary>
    private static CohortNormalisation CohortLevels(float fallbackLevel) =>
        new(Quantile: 0.995f, ExcludeAbove: 0.95f, MinCohort: 100, FallbackLevel: fallbackLevel);

    /// <summary>
    /// dlib ResNet-29 (8-bit graph, face-api landmarks), each face averaged with its mirror image (flip test-time
    /// augmentation: one more inference per face, the main job 1.22–1.26× the wall time). Against the same pipeline
    /// without flip, refitted alike: best F1 on the fitting set 0.858 → 0.885, held-out LFW people 0.890 → 0.900 (false
    /// pairs 64 → 39), the README's main job 0.844 → 0.871, ORL and Yale unchanged (0.972, 0.973); docs/benchmarks.md, "Flip".
    /// Raw cosine is not comparable across faces: some faces sit close to many strangers. Each face's level is the
    /// 99.5th percentile of its similarities to a fixed reference cohort, the 3,443 vectors of the fitting people's
    /// images (pairsDevTrain; made by bench/peers/make_cohort.py with the 8-bit graph and flip), members at or above
    /// 0.95 left out (probably the same person), at least 100 of them, else the median level 0.9147 of the fitting
    /// set. Quantile and bound: the best fitting-set F1 of 0.99/0.995/0.998 × 0.93/0.95/0.97 (the grid first chosen
    /// without flip, 0.95–0.999 × 0.93–none, picked the same pair). Best F1 on the fitting set at normalised 0.0272.
    /// Calibration: logistic on all fitting pairs with normalised score above −0.073. Vectors made without flip keep
    /// their own cohort (the 8-bit graph's); vectors of another version (the float graph, jitters, a newly published
    /// model file) have none: every face gets the fallback level.
    /// </summary>
    public static RecognitionProfile DlibResNet29 { get; } = new()
    {
        Model = ModelNames.DlibResNet29,
        VerificationThreshold = DlibResNet29Calibration.CosineThreshold,
        // Best raw-cosine F1 on the fitting set with flip (0.824; 0.946 without flip, 0.790).
        RawDedupThreshold = 0.9481f,
        Normalisation = CohortLevels(0.9147f),
        Cohorts =
        [
            new CohortResource("dlib-resnet29.int8.flip.cohort", "1b1158eb24779f63ac9920e96302da124f0d5c570e7d010ffcfe0daa4bd1d8b9"),
            new CohortResource("dlib-resnet29.int8.cohort", "a95ef1b92a409970ad8fded4fec3482f3622180ea5a63d309e93a68f4c6b9a4a"),
        ],
        DedupThreshold = 0.0272f,
        Calibration = new MatchCalibration(Slope: 260.432, Intercept: -7.291),
        // Groups cut at p 0.8 (normalised 0.0333; the pair threshold 0.0272 is p 0.45). p 0.6 (0.0296) took the held-out LFW
        // people's grouped images in mixed groups from 3.2 to 1.6 % without flip (docs/benchmarks.md, "Groups cut above the
        // pair threshold"); with flip 1.0 %, BCubed 0.964; p 0.8: 0.8 %, 0.954.
        GroupMinProbability = DefaultGroupMinProbability,
        // The fitting set: the 3,443 LFW dev images of the pairsDevTrain people.
        CalibrationFaces = FittingSetFaces,
        Quality = QualitySource.None,
        FlipTta = true,
    };

    /// <summary>
    /// MobileFaceNet-192: centred vectors, normalisation gains nothing (fitting set F1 0.944 raw, 0.947
    /// normalised; it broke ORL, where ten photos per person fill the top percentile). Dedup 0.595 (best
    /// F1 on the fitting set), held-out LFW 0.942, ORL 0.972. Verification 0.37 (../shared/docs/models.md).
    /// </summary>
    public static RecognitionProfile MobileFaceNet192 { get; } = new()
    {
        Model = ModelNames.MobileFaceNet192,
        VerificationThreshold = 0.37f,
        RawDedupThreshold = 0.595f,
        DedupThreshold = 0.595f,
        Calibration = new MatchCalibration(Slope: 41.88, Intercept: -24.91),
        Quality = QualitySource.EmbeddingNorm,
    };

    /// <summary>
    /// faceres (HSE MobileNet v1 on VGGFace2, Apache-2.0), 1024-d, no flip. Its vectors are not centred (a mean of ReLU6
    /// outputs), so it levels against its own reference cohort as dlib does: the 3,443 fitting images' faceres vectors
    /// (bench/peers/make_cohort.py), q 0.995, members at or above 0.95 left out, fallback the fitting set's median level
    /// 0.5517; all of it on the 8-bit graph's vectors (the default precision). Fitting set F1 0.763 raw (at 0.6728), 0.832
    /// normalised (at 0.0946); held-out LFW people 0.862; LFW pairsDevTest 98.1 % (dlib 99.0 %). Calibration: logistic on the
    /// fitting pairs above 0.0946 − 0.2. Float vectors have no cohort: they get the fallback level. Alone it is weaker
    /// than dlib; its worth is in <see cref="LicenceCleanFusion"/> (docs/benchmarks.md, "A second licence-clean recogniser").
    /// </summary>
    public static RecognitionProfile FaceRes { get; } = new()
    {
        Model = ModelNames.FaceRes,
        VerificationThreshold = 0.5241f,
        RawDedupThreshold = 0.6728f,
        Normalisation = CohortLevels(0.5517f),
        Cohorts = [new CohortResource("faceres.cohort", "169df161451cb0a9058edc6ad393933db93badf8519a4d2b328d631be1adab2e")],
        DedupThreshold = 0.0946f,
        Calibration = new MatchCalibration(Slope: 62.434, Intercept: -6.271),
        GroupMinProbability = DefaultGroupMinProbability,
        CalibrationFaces = FittingSetFaces,
        Quality = QualitySource.None,
    };

    /// <summary>The licence-clean recogniser: dlib ResNet-29 (with flip) and faceres, each levelled against its own cohort,
    /// the score 0.86 × dlib's normalised score + 0.14 × faceres's.</summary>
    public const string LicenceCleanFusionName = ModelNames.DlibResNet29 + "*0.86+" + ModelNames.FaceRes + "*0.14";

    /// <summary>
    /// dlib ResNet-29 with flip (<see cref="DlibResNet29"/>) and <see cref="FaceRes"/>, fused on their own normalised scores:
    /// the ensemble's vector is dlib's (×√0.86) and faceres's (×√0.14) side by side, and each face's level is 0.86 × its dlib
    /// level + 0.14 × its faceres level, so the fused score is the weighted sum of the two profiles' scores. Two networks
    /// trained on different data err on different pairs. The weight is the best fitting-set F1 of 0.12–0.24 (0.14: 0.9126;
    /// 0.12–0.18 within 0.001). Fitting set F1 0.885 → 0.913 (dlib alone → fusion), held-out LFW people 0.901 → 0.929, all of
    /// LFW dev 0.871 → 0.901 with grouped images in mixed groups 3.2 → 2.3 % (docs/benchmarks.md, "A second
    /// licence-clean recogniser"). dlib flips, faceres does not (<see cref="EmbedderOptions.ForMember"/>): faceres is the
    /// dearer network. Calibration: logistic on the fitting pairs above 0.0304 − 0.1.
    /// </summary>
    public static RecognitionProfile LicenceCleanFusion { get; } = new()
    {
        Model = LicenceCleanFusionName,
        VerificationThreshold = 0.8616f,
        RawDedupThreshold = 0.9030f,
        // The fallback is the members' weighted: 0.86 × 0.9147 + 0.14 × 0.5517. Quantile, bound and minimum are the
        // members' own (each levels its part of the vector with its own normalisation).
        Normalisation = CohortLevels(0.8639f),
        NormalisedMembers = [(DlibResNet29, 0.86f), (FaceRes, 0.14f)],
        DedupThreshold = 0.0304f,
        Calibration = new MatchCalibration(Slope: 202.447, Intercept: -6.440),
        // p 0.8 as for dlib: 0.0387 on sets up to 3,443 faces (p 0.6: 0.0338).
        GroupMinProbability = DefaultGroupMinProbability,
        CalibrationFaces = FittingSetFaces,
        Quality = QualitySource.None,
        FlipTta = true,
    };

    /// <summary>The accurate profile's recogniser: dlib, MobileFaceNet-192 and faceplugin's 512-d model fused,
    /// cosine = (2 dlib + MFN + faceplugin) / 4.</summary>
    public const string AccurateFusion = ModelNames.DlibResNet29 + "*2+" + ModelNames.MobileFaceNet192 + "+" + ModelNames.FacepluginFeature512;

    /// <summary>The previous accurate recogniser (until 2026-12-07): dlib ×2 + MobileFaceNet-192.</summary>
    public const string DlibMobileFaceNetFusion = ModelNames.DlibResNet29 + "*2+" + ModelNames.MobileFaceNet192;

    /// <summary>
    /// dlib ×2 + MobileFaceNet-192 + faceplugin-512 (the 2:1 of <see cref="DlibMobileFaceNet"/> with faceplugin at
    /// MobileFaceNet's weight; the only weighting tried): best F1 on the fitting set 0.957 at 0.7206; held-out LFW
    /// people 0.957 (P 0.982, R 0.933; dlib ×2 + MFN alone: 0.946), ORL 0.977, Yale 0.999. No normalisation (the
    /// two ArcFace-style members are centred). Calibration: logistic on the fitting pairs above threshold − 0.3.
    /// </summary>
    public static RecognitionProfile Accurate { get; } = new()
    {
        Model = AccurateFusion,
        VerificationThreshold = (2 * DlibResNet29Calibration.CosineThreshold + 0.37f + 0.29f) / 4,
        RawDedupThreshold = 0.7206f,
        DedupThreshold = 0.7206f,
        Calibration = new MatchCalibration(Slope: 64.86, Intercept: -47.321),
        // Groups cut at p 0.8 (0.7510) as for dlib. p 0.6 (0.7358) took held-out mixed 1.6 → 1.0 %, group-pair recall 0.939 →
        // 0.913, ORL mixed 2.3 → 0 %; p 0.8 on all of LFW dev (session 11): mixed 1.3 → 1.2 %, BCubed F 0.984 → 0.977.
        GroupMinProbability = DefaultGroupMinProbability,
        // The calibration was fitted on the same 3,443 images of the pairsDevTrain people as dlib's. All 4,992 LFW dev
        // images (session 7): grouped images in mixed groups 1.6 → 1.4 %, group-pair F1 0.957 → 0.954, pairs unchanged.
        CalibrationFaces = FittingSetFaces,
        Quality = QualitySource.EmbeddingNorm,
    };

    /// <summary>
    /// dlib ×2 + MobileFaceNet-192 (weights 2:1 of 0.5, 1, 2, 5 on the fitting set): best F1 0.951 at
    /// 0.816; held-out LFW 0.946, ORL 0.977, Yale 0.999. No normalisation (MobileFaceNet's part is centred).
    /// The accurate profile until faceplugin joined it; kept for catalogs made with it.
    /// </summary>
    public static RecognitionProfile DlibMobileFaceNet { get; } = new()
    {
        Model = DlibMobileFaceNetFusion,
        VerificationThreshold = (2 * DlibResNet29Calibration.CosineThreshold + 0.37f) / 3,
        RawDedupThreshold = 0.816f,
        DedupThreshold = 0.816f,
        Calibration = new MatchCalibration(Slope: 85.97, Intercept: -70.54),
        Quality = QualitySource.EmbeddingNorm,
    };

    // Lazy: spelling an ensemble canonically reads the catalogue through EmbedderSpec, whose own static
    // initialiser reads DlibResNet29 above; building this table eagerly would close that cycle.
    private static readonly Dictionary<string, RecognitionProfile> Measured = new(StringComparer.Ordinal)
    {
        [Canonical(DlibResNet29.Model)] = DlibResNet29,
        [Canonical(MobileFaceNet192.Model)] = MobileFaceNet192,
        [Canonical(FaceRes.Model)] = FaceRes,
        [Canonical(LicenceCleanFusion.Model)] = LicenceCleanFusion,
        [Canonical(Accurate.Model)] = Accurate,
        [Canonical(DlibMobileFaceNet.Model)] = DlibMobileFaceNet,
    };

    /// <summary>One spelling per recogniser: members with weights normalised to sum 1, so "a*2+b" and
    /// "a*4+b*2" name the same fusion (and the same profile), "a+b" another.</summary>
    public static string Canonical(string model)
    {
        if (!EmbedderRegistry.IsEnsemble(model))
            return model.Trim();
        var members = EmbedderRegistry.Members(model);
        float total = members.Sum(m => m.Weight);
        return string.Join("+", members.Select(m => $"{m.Name}*{(m.Weight / total).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    /// <summary>Whether <paramref name="model"/>'s measured profile embeds mirrored faces too; false for a model or an
    /// ensemble nobody measured (reads no catalogue, so it never fails on a name the embedder itself will refuse).</summary>
    public static bool FlipsByDefault(string model) =>
        !string.IsNullOrWhiteSpace(model) && Measured.TryGetValue(Canonical(model), out var known) && known.FlipTta;

    /// <summary>A profile with one raw-cosine threshold for verification and dedup, no normalisation, no calibration.</summary>
    public static RecognitionProfile Unmeasured(string model, float threshold) => new()
    {
        Model = model, VerificationThreshold = threshold, RawDedupThreshold = threshold, DedupThreshold = threshold,
        Quality = QualitySource.None, Measured = false,
    };

    /// <summary>The profile of <paramref name="model"/>: a measured one, or for an unmeasured catalogue
    /// model its catalogue threshold for both verification and dedup, or for an unmeasured ensemble the
    /// weighted mean of its members' (a weighted ensemble's best threshold was within 0.01 of that mean:
    /// dlib×5+MFN 0.878 measured, 0.886 by the rule). Neither has a calibration.</summary>
    public static RecognitionProfile For(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (Measured.TryGetValue(Canonical(model), out var known))
            return known;
        if (!EmbedderRegistry.IsEnsemble(model))
        {
            var entry = Doppel.Models.Catalog.ModelCatalog.Get(model);
            return Unmeasured(model, entry.Metric == Doppel.Models.Catalog.ModelMetric.Cosine && entry.DefaultThreshold is { } t ? t : 0.3f);
        }
        var members = EmbedderRegistry.Describe(model);
        float total = members.Sum(m => m.Weight);
        var profiles = members.Select(m => (Profile: For(m.Spec.Name), Weight: m.Weight / total)).ToList();
        // (Describe, not Members: it also checks every member is a catalogue recogniser.)
        float raw = profiles.Sum(p => p.Weight * p.Profile.RawDedupThreshold);
        return new RecognitionProfile
        {
            Model = model,
            VerificationThreshold = profiles.Sum(p => p.Weight * p.Profile.VerificationThreshold),
            RawDedupThreshold = raw,
            DedupThreshold = raw,
            Quality = profiles.Any(p => p.Profile.Quality == QualitySource.EmbeddingNorm) ? QualitySource.EmbeddingNorm : QualitySource.None,
            Measured = false,
        };
    }
}
