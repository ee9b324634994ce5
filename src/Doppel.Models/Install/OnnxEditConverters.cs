using Doppel.Models.Catalog;
using Doppel.Models.Onnx;

namespace Doppel.Models.Install;

/// <summary>
/// YuNet is exported at 1x3x640x640. Its convolutions and its 2x upsampling (Resize with
/// constant scales) work at any multiple of 32, so the input becomes N x 3 x H x W; its
/// flattening Reshapes to [1,-1,k] become [0,-1,k] (their input is NHWC, batch first), so a
/// batch of images runs at once.
/// </summary>
public sealed class YuNetDynamicInputConverter : IModelConverter
{
    public string Id => ConverterIds.YuNetDynamicInput;

    public void Convert(ConversionContext context)
    {
        var source = context.Source(CatalogEntries.YuNetFile);
        var model = OnnxGraphEdits.Load(source);
        OnnxGraphEdits.SetInputShape(model, "input", "N", 3, "H", "W");
        foreach (var output in model.Graph.Output.ToList())
        {
            // cls_8, bbox_16, kps_32 ...: the anchor count depends on the stride and the image size.
            var stride = output.Name[(output.Name.LastIndexOf('_') + 1)..];
            var perAnchor = output.Type.TensorType.Shape.Dim[2].DimValue;
            OnnxGraphEdits.SetOutputShape(model, output.Name, "N", $"anchors_{stride}", perAnchor);
        }
        OnnxGraphEdits.ClearIntermediateShapes(model);
        var reshapes = OnnxGraphEdits.MakeReshapeBatchDynamic(model);
        if (reshapes != 12)
            throw new InvalidDataException($"YuNet graph has {reshapes} batch-1 Reshapes, expected 12: not the 2023mar graph this edit was written for.");
        File.WriteAllBytes(context.Output(ModelNames.OnnxFile), OnnxGraphEdits.ToBytes(model));
    }
}

/// <summary>
/// faceplugin's fr_feature ends in Reshape(x, [1,-1]), which fixes the batch at 1; rewriting it
/// to [0,-1] keeps the batch. Input and output shapes get a symbolic batch "N".
/// </summary>
public sealed class DynamicBatchReshapeConverter : IModelConverter
{
    public string Id => ConverterIds.DynamicBatchReshape;

    public void Convert(ConversionContext context)
    {
        var sourceKey = context.Spec.Sources.SelectMany(s => s.Keys).Single(k => k.EndsWith(".onnx", StringComparison.Ordinal));
        var model = OnnxGraphEdits.Load(context.Source(sourceKey));
        var edited = OnnxGraphEdits.MakeReshapeBatchDynamic(model);
        if (edited == 0)
            throw new InvalidDataException($"{sourceKey} has no batch-1 Reshape to make dynamic: not the graph this edit was written for.");
        // Old exporters also list initializers as graph inputs; only the real inputs get a batch.
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var value in model.Graph.Input.Where(v => !initializers.Contains(v.Name)).Concat(model.Graph.Output).ToList())
        {
            var dims = value.Type.TensorType.Shape.Dim;
            var shape = dims.Select((d, i) => i == 0 ? (OnnxDim)"N" : d.HasDimParam ? d.DimParam : (OnnxDim)d.DimValue).ToArray();
            if (model.Graph.Input.Contains(value))
                OnnxGraphEdits.SetInputShape(model, value.Name, shape);
            else
                OnnxGraphEdits.SetOutputShape(model, value.Name, shape);
        }
        OnnxGraphEdits.ClearIntermediateShapes(model);
        File.WriteAllBytes(context.Output(ModelNames.OnnxFile), OnnxGraphEdits.ToBytes(model));
    }
}
