namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// A suffix or prefix a pack puts on the node types it generates at run time, learned from a worker's
/// <c>/object_info</c> (ComfyUI-MultiGPU reports <c>CLIPLoaderMultiGPU</c>, <c>UNETLoaderMultiGPU</c>, … from
/// <c>custom_nodes/ComfyUI-MultiGPU</c>: the suffix <c>MultiGPU</c>).
/// </summary>
/// <param name="Examples">Some of the reported types that carry the affix.</param>
/// <param name="Count">How many reported types of the pack carry it.</param>
public sealed record LearnedAffix(string Affix, bool IsSuffix, KnownPackNodes From, IReadOnlyList<string> Examples, int Count)
{
    /// <summary>The family key: <c>…MultiGPU</c> for a suffix, <c>DF_…</c> for a prefix.</summary>
    public string Key => IsSuffix ? "…" + Affix : Affix + "…";

    public bool Matches(string nodeType) =>
        nodeType.Length > Affix.Length
        && (IsSuffix ? nodeType.EndsWith(Affix, StringComparison.Ordinal) : nodeType.StartsWith(Affix, StringComparison.Ordinal));
}
