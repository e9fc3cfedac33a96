namespace ComfyDoctor.Core.Inventory;

/// <summary>A custom node pack under <c>custom_nodes/</c>: a folder or a single <c>.py</c> file.</summary>
/// <param name="Name">Folder or file name without the <c>.disabled</c> suffix.</param>
/// <param name="Path">Absolute path.</param>
/// <param name="IsFile">True for a single-file pack (<c>foo.py</c>).</param>
/// <param name="Disabled">ComfyUI skips names ending in <c>.disabled</c>.</param>
/// <param name="Git">Git facts when the pack is a checkout.</param>
/// <param name="ProjectName">From <c>pyproject.toml</c> <c>[project] name</c>.</param>
/// <param name="ProjectVersion">From <c>pyproject.toml</c> <c>[project] version</c>.</param>
/// <param name="NodeClasses">Node class names found statically in the source.</param>
public sealed record NodePack(
    string Name,
    string Path,
    bool IsFile,
    bool Disabled,
    GitFacts? Git,
    string? ProjectName,
    string? ProjectVersion,
    IReadOnlyList<string> NodeClasses
)
{
    /// <summary>What ComfyUI-Manager left on disk about where the pack came from (null from agents that predate it).</summary>
    public ManagerFacts? Manager { get; init; }
}

/// <param name="Remote">The <c>origin</c> URL, normalised (lower-case host, no <c>.git</c>, https form).</param>
/// <param name="Commit">Full HEAD commit hash.</param>
/// <param name="Tag">An exact tag at HEAD, if any.</param>
/// <param name="Dirty">Uncommitted changes to tracked files.</param>
public sealed record GitFacts(string? Remote, string? Commit, string? Tag, bool Dirty);
