using OpenCvSharp.Dnn;

namespace Doppel.Vision.Detection;

/// <summary>
/// Where OpenCV DNN runs a network (res10 SSD, YuNet). The default is OpenCV's own CPU backend;
/// "cuda" / "cuda-fp16" are accepted so a user with a CUDA build of OpenCV can ask for it (the
/// NuGet runtime is CPU-only, so OpenCV then falls back to CPU with a warning of its own).
/// </summary>
public sealed record DnnDevice(Backend Backend, Target Target)
{
    public static DnnDevice Cpu { get; } = new(Backend.OPENCV, Target.CPU);

    /// <summary>Parses "cpu" (alias "default", "opencv"), "cuda" or "cuda-fp16".</summary>
    public static DnnDevice Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "cpu" or "default" or "opencv" => Cpu,
        "cuda" => new DnnDevice(Backend.CUDA, Target.CUDA),
        "cuda-fp16" => new DnnDevice(Backend.CUDA, Target.CUDA_FP16),
        _ => throw new ArgumentException($"Unknown DNN device '{name}'. Use cpu, cuda or cuda-fp16.", nameof(name)),
    };
}
