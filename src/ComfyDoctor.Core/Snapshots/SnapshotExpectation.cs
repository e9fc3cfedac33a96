using ComfyDoctor.Core.Diagnosis;

namespace ComfyDoctor.Core.Snapshots;

/// <summary>A stored snapshot that applies to a worker, with how it is named in findings (<c>snapshot of tag 'sdxl'</c>).</summary>
public sealed record AppliedSnapshot(string Label, Snapshot Snapshot);

/// <summary>
/// What the snapshots that apply to one worker expect of it, merged with its workflows' needs
/// (<see cref="SnapshotMerge"/>): the packs at their commits or versions, ComfyUI's commit, the pinned Python packages, and
/// every conflict between them, which is judged as a finding and never resolved by choosing one side.
/// </summary>
/// <param name="Labels">The snapshots applied, in order.</param>
/// <param name="Packs">Git and registry packs, each as a requirement pinned to the snapshot's commit or version (with the
/// node types and workflows of a workflow need that agrees with it).</param>
/// <param name="DisabledPacks">Git packs the snapshot has installed but disabled.</param>
/// <param name="Files">Single-file packs.</param>
/// <param name="ComfyUi">ComfyUI's commit and the snapshot that pins it.</param>
/// <param name="Python">Pinned distributions and the snapshot that pins each.</param>
public sealed record SnapshotExpectation(
    IReadOnlyList<string> Labels,
    IReadOnlyList<RequiredNodePack> Packs,
    IReadOnlyList<RequiredNodePack> DisabledPacks,
    IReadOnlyList<SnapshotFilePack> Files,
    (string Commit, string From)? ComfyUi,
    IReadOnlyList<(PipPin Pin, string From)> Python,
    IReadOnlyList<SnapshotConflict> Conflicts
)
{
    /// <summary>The requirement a node finding's subject names, when a snapshot governs that pack.</summary>
    public RequiredNodePack? PackFor(string url) =>
        Packs.FirstOrDefault(p => Nodes.RepoUrl.SameRepo(p.Url, url) || p.AlternateUrls.Any(u => Nodes.RepoUrl.SameRepo(u, url)));

    /// <summary>Whether a workflow also asked for this pack (then install-nodes may fix it, not only match-snapshot).</summary>
    public static bool WorkflowsNeed(RequiredNodePack pack) => pack.NodeTypes.Count > 0;
}

/// <summary>Two expectations that cannot both hold: a pack, ComfyUI or a Python package wanted at different versions.</summary>
/// <param name="Category">Which light it feeds: nodes for packs, runtime for ComfyUI and Python packages.</param>
/// <param name="Subject">The pack's URL, <c>comfyui</c>, or the package name.</param>
/// <param name="Wants">Each side: who wants what (<c>snapshot of tag 'a' pins 1a2b3c4</c>).</param>
public sealed record SnapshotConflict(HealthCategory Category, string Subject, IReadOnlyList<string> Wants)
{
    /// <summary>The node types workflows need from a conflicting pack (for the finding's <c>nodeTypes</c>).</summary>
    public IReadOnlyList<string> NodeTypes { get; init; } = [];
}
