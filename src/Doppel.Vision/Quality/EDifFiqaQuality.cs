using Doppel.Models;
using Doppel.Models.Catalog;
using Doppel.Vision.Alignment;
using Doppel.Vision.Embedding;
using Doppel.Vision.Inference;
using Microsoft.ML.OnnxRuntime;

namespace Doppel.Vision.Quality;

/// <summary>
/// eDifFIQA(T) (Babnik, Peer and Štruc, TBIOM 2024; the FaceDuplicationFilter seed's quality model) as
/// the OpenCV Zoo ships it: the face aligned to the ArcFace 112x112 template, RGB, (v − 127.5) / 127.5,
/// NCHW; one output per face, the predicted quality, higher is better, trained on labels in [0, 1] and
/// clamped to that range here. Not mirrored on this machine (download only), so its ranking could not
/// be measured here; the pre- and post-processing are tested on a small graph.
/// </summary>
public sealed class EDifFiqaQuality : IFaceQuality
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName, _outputName;
    private readonly int _maxBatch;

    /// <summary>Pixel preparation, as the catalogue entry states it (written by <see cref="PixelTensor"/>).</summary>
    public static EmbedderSpec Input { get; } = new()
    {
        Name = ModelNames.EDifFiqaTiny,
        Template = AlignmentTemplate.ArcFace112,
        Channels = ChannelOrder.Rgb,
        Layout = TensorLayout.Nchw,
        Mean = [127.5f, 127.5f, 127.5f],
        Std = [127.5f, 127.5f, 127.5f],
        Dimension = 1,
        DefaultThreshold = 0,
    };

    public string Name => QualityRegistry.EDifFiqa;

    /// <param name="modelPath">The graph; null = the installed <c>ediffiqa-tiny</c> model (throws
    /// <see cref="ModelNotInstalledException"/> naming the install command when it is not).</param>
    public EDifFiqaQuality(string? modelPath = null, OnnxSessionOptions? session = null)
    {
        _session = OnnxSessionFactory.Create(modelPath ?? ModelStore.RequireFile(ModelNames.EDifFiqaTiny, ModelNames.OnnxFile),
            session ?? new OnnxSessionOptions { IntraOpThreads = 1 });
        var input = _session.InputMetadata.Single();
        _inputName = input.Key;
        _outputName = _session.OutputMetadata.Keys.First();
        _maxBatch = input.Value.Dimensions[0] == 1 ? 1 : 16;
    }

    public float[] Assess(IReadOnlyList<QualityInput> faces)
    {
        var scores = new float[faces.Count];
        int per = 3 * 112 * 112;
        var tensor = new float[Math.Min(_maxBatch, Math.Max(1, faces.Count)) * per];
        for (int start = 0; start < faces.Count; start += _maxBatch)
        {
            int count = Math.Min(_maxBatch, faces.Count - start);
            for (int j = 0; j < count; j++)
            {
                var crop = faces[start + j].Crop;
                using var aligned = FaceAligner.Align(crop.Bgr, crop.Landmarks, AlignmentTemplate.ArcFace112);
                PixelTensor.Write(aligned, Input, tensor.AsSpan(j * per, per));
            }
            using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, tensor.AsMemory(0, count * per), [count, 3, 112, 112]);
            using var outputs = _session.Run(_runOptions, [_inputName], [value], [_outputName]);
            var result = outputs[0].GetTensorDataAsSpan<float>();
            if (result.Length != count)
                throw new InvalidOperationException($"eDifFIQA returned {result.Length} values for {count} faces.");
            for (int j = 0; j < count; j++)
                scores[start + j] = float.IsFinite(result[j]) ? Math.Clamp(result[j], 0, 1) : 0;
        }
        return scores;
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
