using Doppel.Models.Catalog;

namespace Doppel.Models.Install;

/// <summary>Models used as shipped: each final file is a byte copy of the source named in <see cref="ModelFile.CopiedFrom"/>.</summary>
public sealed class CopyConverter : IModelConverter
{
    public string Id => ConverterIds.Copy;

    public void Convert(ConversionContext context)
    {
        foreach (var file in context.Spec.Files)
        {
            var from = file.CopiedFrom
                ?? throw new InvalidOperationException($"Model '{context.Spec.Name}': file {file.FileName} has no CopiedFrom source for the copy converter.");
            File.Copy(context.Source(from), context.Output(file.FileName), overwrite: true);
        }
    }
}
