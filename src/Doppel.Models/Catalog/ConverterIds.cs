namespace Doppel.Models.Catalog;

/// <summary>Keys that tie a catalogue entry to its registered <see cref="Install.IModelConverter"/>.</summary>
public static class ConverterIds
{
    public const string Copy = "copy";
    public const string YuNetDynamicInput = "onnx-edit/yunet-dynamic-input";
    public const string DynamicBatchReshape = "onnx-edit/dynamic-batch-reshape";
    public const string FaceApiRecognition = "face-api-tfjs/face-recognition";
    public const string FaceApiLandmark68 = "face-api-tfjs/face-landmark-68";
}
