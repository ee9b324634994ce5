using Doppel.Models.Catalog;
using Doppel.Models.Converters.FaceApi;

namespace Doppel.Models.Install;

/// <summary>
/// Registry of converters by <see cref="IModelConverter.Id"/>. The built-in ones are registered
/// here; a converter living elsewhere calls <see cref="Register"/> once at start-up. Models whose
/// converter is missing are listed but skipped by install with a clear message.
/// </summary>
public static class ModelConverters
{
    private static readonly Dictionary<string, IModelConverter> Registered = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    static ModelConverters()
    {
        Register(new CopyConverter());
        Register(new YuNetDynamicInputConverter());
        Register(new DynamicBatchReshapeConverter());
        Register(new FaceApiRecognitionConverter());
        Register(new FaceApiLandmark68Converter());
        Register(new Conversion.TfliteMobileFaceNetConverter());
        Register(new Converters.Tfjs.FaceResConverter());
    }

    public static void Register(IModelConverter converter)
    {
        lock (Gate)
        {
            if (Registered.TryGetValue(converter.Id, out var existing) && existing.GetType() != converter.GetType())
                throw new ArgumentException($"A different converter is already registered as '{converter.Id}' ({existing.GetType().Name}).", nameof(converter));
            Registered[converter.Id] = converter;
        }
    }

    public static bool TryGet(string id, out IModelConverter converter)
    {
        lock (Gate)
            return Registered.TryGetValue(id, out converter!);
    }

    public static bool IsRegistered(ModelSpec spec) => TryGet(spec.ConverterId, out _);
}
