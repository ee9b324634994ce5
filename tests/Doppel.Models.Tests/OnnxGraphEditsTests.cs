using Doppel.Models.Onnx;
using Doppel.Testing;

namespace Doppel.Models.Tests;

public class OnnxGraphEditsTests
{
    /// <summary>
    /// YuNet is exported at 1x3x640x640. After the edit it must run at another size and at
    /// batch 4, and each batch row must equal the same image run alone.
    /// </summary>
    [Fact]
    public void YuNetRunsAtDynamicSizeAndBatchWithIdenticalRows()
    {
        var path = SharedData.Require("models/face_detection_yunet_2023mar.onnx");
        var model = OnnxGraphEdits.Load(path);
        OnnxGraphEdits.SetInputShape(model, "input", "N", 3, "H", "W");
        foreach (var output in model.Graph.Output)
            OnnxGraphEdits.SetOutputShape(model, output.Name, "N", "anchors", output.Type.TensorType.Shape.Dim[2].DimValue);
        OnnxGraphEdits.ClearIntermediateShapes(model);
        OnnxGraphEdits.MakeReshapeBatchDynamic(model).ShouldBe(12);
        var bytes = OnnxGraphEdits.ToBytes(model);

        const int h = 160, w = 224, plane = 3 * h * w;
        var batch = OrtRun.Deterministic(4 * plane, 7).Select(v => (v + 1) * 127.5f).ToArray();
        var together = OrtRun.Run(bytes, "input", batch, 4, 3, h, w);
        var cls8 = together.Single(o => o.Name == "cls_8");
        cls8.Shape.ShouldBe([4L, (h / 8) * (w / 8), 1L]);

        for (var i = 0; i < 4; i++)
        {
            var alone = OrtRun.Run(bytes, "input", batch[(i * plane)..((i + 1) * plane)], 1, 3, h, w);
            foreach (var output in alone)
            {
                var rows = together.Single(o => o.Name == output.Name).Data;
                var n = output.Data.Length;
                MaxAbsDiff(rows.AsSpan(i * n, n), output.Data).ShouldBeLessThan(1e-4f, output.Name);
            }
        }
    }

    [Fact]
    public void ShapeWithWrongRankIsRejected()
    {
        var model = OnnxGraphEdits.Load(SharedData.Require("models/face_detection_yunet_2023mar.onnx"));
        Should.Throw<ArgumentException>(() => OnnxGraphEdits.SetInputShape(model, "input", "N", "H", "W"));
        Should.Throw<ArgumentException>(() => OnnxGraphEdits.SetInputShape(model, "no_such_input", "N", 3, "H", "W"))
            .Message.ShouldContain("input");
    }

    [Fact]
    public void NonOnnxBytesGiveAClearError()
    {
        var directory = RepoPaths.NewTempDir();
        try
        {
            var file = Path.Combine(directory, "garbage.onnx");
            File.WriteAllBytes(file, [0xff, 0xff, 0xff, 0x01, 0x02]);
            Should.Throw<InvalidDataException>(() => OnnxGraphEdits.Load(file)).Message.ShouldContain("garbage.onnx");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        a.Length.ShouldBe(b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++)
            max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }
}

public class InstalledEditedModelsTests
{
    /// <summary>faceplugin fr_feature ships with Reshape(x, [1,-1]); after install it runs a batch of 4 whose rows equal single runs.</summary>
    [Fact]
    public void FacepluginFeatureRunsWithDynamicBatch()
    {
        var model = InstalledModels.OnnxBytes(ModelNames.FacepluginFeature512);
        const int plane = 3 * 112 * 112;
        var batch = OrtRun.Deterministic(4 * plane, 11);

        var together = OrtRun.Run(model, "input", batch, 4, 3, 112, 112).Single();

        together.Shape.ShouldBe([4L, 512L]);
        for (var i = 0; i < 4; i++)
        {
            var alone = OrtRun.Run(model, "input", batch[(i * plane)..((i + 1) * plane)], 1, 3, 112, 112).Single();
            OnnxGraphEditsTests.MaxAbsDiff(together.Data.AsSpan(i * 512, 512), alone.Data).ShouldBeLessThan(1e-4f);
        }
        OnnxGraphEditsTests.MaxAbsDiff(together.Data.AsSpan(0, 512), together.Data.AsSpan(512, 512)).ShouldBeGreaterThan(1e-3f);
    }

    [Fact]
    public void InstalledYuNetAcceptsA320InputAndABatch()
    {
        var model = InstalledModels.OnnxBytes(ModelNames.YuNet);
        const int plane = 3 * 320 * 320;
        var batch = OrtRun.Deterministic(2 * plane, 5).Select(v => (v + 1) * 127.5f).ToArray();

        var outputs = OrtRun.Run(model, "input", batch, 2, 3, 320, 320);

        outputs.Single(o => o.Name == "cls_8").Shape.ShouldBe([2L, 1600L, 1L]);
        outputs.Single(o => o.Name == "kps_32").Shape.ShouldBe([2L, 100L, 10L]);
    }
}
