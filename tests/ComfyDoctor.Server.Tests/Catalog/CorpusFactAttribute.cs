namespace ComfyDoctor.Server.Tests.Catalog;

/// <summary>A test on the shared real corpus (<c>../shared/corpus</c> beside the repository): skipped, with the reason, on a
/// checkout that lacks it.</summary>
public sealed class CorpusFactAttribute : FactAttribute
{
    public CorpusFactAttribute()
    {
        if (!File.Exists(CorpusFiles.NodeMap))
        {
            Skip = $"the shared corpus is absent ({CorpusFiles.Root}): ComfyUI-Manager's node maps and real workflows are needed";
        }
    }
}
