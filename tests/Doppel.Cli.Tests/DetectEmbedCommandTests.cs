using System.Text.Json;
using Doppel.Testing;
using OpenCvSharp;

namespace Doppel.Cli.Tests;

/// <summary>The single-image commands a user runs first: <c>doppel detect IMAGE... --json --out DIR</c>
/// (the seed's --test) and <c>doppel embed IMAGE... --json</c>, on real LFW photos and broken files.</summary>
public class DetectEmbedCommandTests
{
    private static string Lfw(string person, int index) =>
        Path.Combine(SharedData.Require("data/lfw-dev"), "images", person, $"{person}_{index:0000}.jpg");

    private static List<JsonElement> JsonLines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    [Fact]
    public void Detect_reports_faces_with_68_landmarks_writes_thumbnails_and_names_what_failed()
    {
        InstalledModels.RequireDefaults();
        var dir = RepoPaths.NewTempDir("doppel-detect");
        var photo = Path.Combine(dir, "aaron.jpg");
        File.Copy(Lfw("Aaron_Peirsol", 1), photo);
        var empty = Path.Combine(dir, "empty.jpg");
        File.WriteAllBytes(empty, []);
        var text = Path.Combine(dir, "notes.jpg");
        File.WriteAllText(text, "not a picture at all");

        var run = DoppelProcess.Run(dir, "detect", photo, empty, text, "--json", "--out", Path.Combine(dir, "out"));

        run.ExitCode.ShouldBe(0, run.Error);
        var lines = JsonLines(run.Output);
        lines.Count.ShouldBe(3);
        var ok = lines[0];
        ok.GetProperty("status").GetString().ShouldBe("ok");
        (ok.GetProperty("width").GetInt32(), ok.GetProperty("height").GetInt32()).ShouldBe((250, 250));
        var face = ok.GetProperty("faces").EnumerateArray().ShouldHaveSingleItem();
        face.GetProperty("score").GetSingle().ShouldBeGreaterThan(0.6f);
        var box = Floats(face.GetProperty("box"));
        var landmarks = face.GetProperty("landmarks");
        var shape = landmarks.GetProperty("shape68").EnumerateArray().Select(Floats).ToList();
        shape.Count.ShouldBe(68);
        // Every point of the face lies around its box; the eyes sit left and right of the nose, above the mouth.
        shape.ShouldAllBe(p => p[0] > box[0] - 0.25f * box[2] && p[0] < box[0] + 1.25f * box[2] && p[1] > box[1] - 0.25f * box[3] && p[1] < box[1] + 1.25f * box[3]);
        var (leftEye, rightEye, nose, mouthLeft, mouthRight) = (Floats(landmarks.GetProperty("left_eye")), Floats(landmarks.GetProperty("right_eye")),
            Floats(landmarks.GetProperty("nose")), Floats(landmarks.GetProperty("mouth_left")), Floats(landmarks.GetProperty("mouth_right")));
        leftEye[0].ShouldBeLessThan(nose[0]);
        rightEye[0].ShouldBeGreaterThan(nose[0]);
        mouthLeft[0].ShouldBeLessThan(mouthRight[0]);
        Math.Max(leftEye[1], rightEye[1]).ShouldBeLessThan(nose[1]);
        nose[1].ShouldBeLessThan(Math.Min(mouthLeft[1], mouthRight[1]));

        foreach (var broken in lines.Skip(1))
        {
            broken.GetProperty("status").GetString().ShouldBeOneOf("unreadable", "unsupported");
            broken.GetProperty("faces").GetArrayLength().ShouldBe(0);
        }
        lines[1].GetProperty("path").GetString().ShouldEndWith("empty.jpg");

        // The annotated copy and a 112x112 aligned thumbnail of the face; nothing for the broken files.
        using (var annotated = Cv2.ImRead(Path.Combine(dir, "out", "aaron_faces.jpg")))
            (annotated.Width, annotated.Height).ShouldBe((250, 250));
        using (var thumbnail = Cv2.ImRead(Path.Combine(dir, "out", "aaron_face0.jpg")))
            (thumbnail.Width, thumbnail.Height).ShouldBe((112, 112));
        Directory.GetFiles(Path.Combine(dir, "out")).Length.ShouldBe(2);
    }

    [Fact]
    public void A_five_point_detector_reports_no_68_point_shape()
    {
        InstalledModels.Require("yunet");
        var run = DoppelProcess.Run(RepoPaths.NewTempDir("doppel-detect-yunet"), "detect", Lfw("Aaron_Peirsol", 1), "--detector", "yunet", "--json");
        run.ExitCode.ShouldBe(0, run.Error);
        var landmarks = JsonLines(run.Output).ShouldHaveSingleItem().GetProperty("faces")[0].GetProperty("landmarks");
        landmarks.TryGetProperty("left_eye", out _).ShouldBeTrue();
        landmarks.TryGetProperty("shape68", out _).ShouldBeFalse();
    }

    /// <summary>Unit vectors that tell people apart: two photos of one person score above the verification
    /// threshold (0.9156 with flip), a photo of someone else below it; the float graph gives nearly the same vectors.</summary>
    [Fact]
    public void Embed_gives_unit_vectors_that_match_the_same_person_and_not_another()
    {
        InstalledModels.RequireDefaults();
        string[] photos = [Lfw("Aaron_Peirsol", 1), Lfw("Aaron_Peirsol", 2), Lfw("Aaron_Sorkin", 1)];
        var dir = RepoPaths.NewTempDir("doppel-embed");
        float[] Vector(JsonElement line) => Floats(line.GetProperty("faces")[0].GetProperty("embedding"));
        float Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => x * y).Sum();

        var int8 = DoppelProcess.Run(dir, ["embed", .. photos, "--json"]);
        var float32 = DoppelProcess.Run(dir, ["embed", .. photos, "--json", "--precision", "float"]);

        int8.ExitCode.ShouldBe(0, int8.Error);
        float32.ExitCode.ShouldBe(0, float32.Error);
        var v = JsonLines(int8.Output).Select(Vector).ToList();
        var f = JsonLines(float32.Output).Select(Vector).ToList();
        v.Count.ShouldBe(3);
        v.ShouldAllBe(x => x.Length == 128 && MathF.Abs(MathF.Sqrt(x.Sum(c => c * c)) - 1) < 1e-3f);
        float t = Doppel.Vision.Embedding.DlibResNet29Calibration.CosineThreshold;
        Cosine(v[0], v[1]).ShouldBeGreaterThan(t);
        Cosine(v[0], v[2]).ShouldBeLessThan(t);
        Cosine(v[1], v[2]).ShouldBeLessThan(t);
        for (int i = 0; i < 3; i++)
            Cosine(v[i], f[i]).ShouldBeGreaterThan(0.998f);

        // dlib's profile flips by default: --flip changes nothing, --no-flip gives the single view's (nearby) vectors,
        // and asking for both is one clear error.
        var flip = DoppelProcess.Run(dir, ["embed", .. photos, "--json", "--flip"]);
        var single = DoppelProcess.Run(dir, ["embed", .. photos, "--json", "--no-flip"]);
        single.ExitCode.ShouldBe(0, single.Error);
        JsonLines(flip.Output).Select(Vector).Zip(v, Cosine).ShouldAllBe(c => c > 0.99999f);
        JsonLines(single.Output).Select(Vector).Zip(v, Cosine).ShouldAllBe(c => c > 0.97f && c < 0.9999f);
        var both = DoppelProcess.Run(dir, ["embed", .. photos, "--flip", "--no-flip"]);
        both.ExitCode.ShouldBe(1);
        both.Error.ShouldContain("--flip or --no-flip, not both");
    }

    /// <summary>faceres through the real pipeline: 1024-d unit vectors, same person above its catalogue threshold
    /// (0.5241, from LFW pairsDevTrain, 8-bit graph), another person below.</summary>
    [Fact]
    public void Embed_with_faceres_gives_1024_d_vectors_on_its_threshold()
    {
        InstalledModels.RequireDefaults();
        InstalledModels.Require("faceres");
        string[] photos = [Lfw("Aaron_Peirsol", 1), Lfw("Aaron_Peirsol", 2), Lfw("Aaron_Sorkin", 1)];
        var dir = RepoPaths.NewTempDir("doppel-embed");
        var run = DoppelProcess.Run(dir, ["embed", .. photos, "--json", "--model", "faceres"]);

        run.ExitCode.ShouldBe(0, run.Error);
        var v = JsonLines(run.Output).Select(line => Floats(line.GetProperty("faces")[0].GetProperty("embedding"))).ToList();
        v.Count.ShouldBe(3);
        v.ShouldAllBe(x => x.Length == 1024 && MathF.Abs(MathF.Sqrt(x.Sum(c => c * c)) - 1) < 1e-3f);
        float Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => x * y).Sum();
        var t = Doppel.Vision.Embedding.RecognitionProfiles.For("faceres").VerificationThreshold;
        // faceres's measured profile: `doppel eval verify` on pairsDevTrain with the 8-bit graph (the default precision).
        t.ShouldBe(0.5241f);
        Cosine(v[0], v[1]).ShouldBeGreaterThan(t);
        Cosine(v[0], v[2]).ShouldBeLessThan(t);
        Cosine(v[1], v[2]).ShouldBeLessThan(t);
    }
}
