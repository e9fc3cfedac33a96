namespace ComfyDoctor.Core.NodeResolution;

/// <summary>One custom-node pack as ComfyUI-Manager's catalog describes it.</summary>
/// <param name="Url">The repository (or file) URL as the node map or node list writes it.</param>
/// <param name="Id">The Comfy Registry id (<c>custom-node-list.json</c> <c>id</c>), when listed.</param>
/// <param name="InstallType"><c>git-clone</c>, <c>copy</c> or <c>unzip</c>; <c>git-clone</c> when the list does not say.</param>
/// <param name="Files">What to clone or download (<c>files[]</c>).</param>
/// <param name="Pip">Extra pip packages the list asks for (<c>pip</c>).</param>
/// <param name="NodeNames">Node class names the node map lists for the pack.</param>
/// <param name="NodenamePattern">A regular expression for names the pack provides beyond the list.</param>
/// <param name="Preemptions">Names this pack claims over every other pack that lists them.</param>
/// <param name="ListOrder">Position in the node map (then the node list); earlier means listed earlier.</param>
/// <param name="LooksLikeFork">The title or description says the pack is a fork.</param>
public sealed record CatalogPack(
    string Url,
    string? Id,
    string Title,
    string? Author,
    string InstallType,
    IReadOnlyList<string> Files,
    IReadOnlyList<string> Pip,
    IReadOnlyList<string> NodeNames,
    string? NodenamePattern,
    IReadOnlyList<string> Preemptions,
    int? Stars,
    int? AuthorAccountAgeDays,
    int ListOrder,
    bool LooksLikeFork
)
{
    /// <summary>The node list's other URLs for the pack (its <c>reference</c> and <c>files</c> where they differ from
    /// <see cref="Url"/>): where the repository was before it moved or was renamed.</summary>
    public IReadOnlyList<string> AlternateUrls { get; init; } = [];
}
