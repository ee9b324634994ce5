using Doppel.Matching.IO;
using Doppel.Testing;

namespace Doppel.Matching.Tests.IO;

/// <summary>The real LFW development files in ../shared parse into what their READMEs promise.</summary>
public class LfwFilesTests
{
    [Fact]
    public void Dev_labels_name_an_identity_for_every_image_path()
    {
        var labels = LabelsCsv.Read(SharedData.Require("data/lfw-dev/labels.csv"));
        labels.Count.ShouldBe(4992);
        labels.ShouldAllBe(kv => kv.Key.StartsWith("images/" + kv.Value + "/" + kv.Value + "_"));
    }
}
