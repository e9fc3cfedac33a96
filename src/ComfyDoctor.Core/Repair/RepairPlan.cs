using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Registry;

namespace ComfyDoctor.Core.Repair;

/// <summary>A repair computed from findings, before anything changes: what will be done, and what cannot be.</summary>
public sealed record RepairPlan(IReadOnlyList<PlannedAction> Actions, IReadOnlyList<UnresolvableFinding> Unresolvable);

/// <summary>One action of a plan.</summary>
/// <param name="Kind">One of <see cref="RepairActionKinds"/>.</param>
/// <param name="Subject">The model identity, or the node pack's repository URL.</param>
/// <param name="Reason">The finding it answers (<c>code: message</c>).</param>
/// <param name="Sources">Where from, in the order tried.</param>
/// <param name="Expected">What is true when it succeeded.</param>
/// <param name="Model">For a model: the registry entry (hash, size) the copy must match.</param>
/// <param name="Pack">For a node pack: what to install, and where.</param>
public sealed record PlannedAction(
    string Kind,
    string Subject,
    string Reason,
    IReadOnlyList<ModelSource> Sources,
    string Expected,
    RegistryEntry? Model,
    PlannedPack? Pack
)
{
    /// <summary>Its subject as the plan saw it: the agent acts only while it is still so (<see cref="Preconditions"/>).</summary>
    public SubjectState? Before { get; init; }

    /// <summary>For <see cref="RepairActionKinds.EnableNodePack"/>: the disabled copy to move back, as the scan saw it.</summary>
    public PlannedEnable? Enable { get; init; }

    /// <summary>For <see cref="RepairActionKinds.InstallPythonPackages"/>: the exact versions to install (issue 19.4).</summary>
    public PlannedPython? Python { get; init; }

    /// <summary>The actions of a plan sharing a unit succeed together or are undone together (<see cref="RepairUnits"/>); null: on
    /// its own.</summary>
    public string? Unit { get; init; }
}

/// <summary>The kinds of action; open: an agent fails an action of a kind it does not know, and runs the rest.</summary>
public static class RepairActionKinds
{
    public const string SyncModel = "sync-model";
    public const string InstallNodePack = "install-node-pack";
    public const string QuarantineModel = "quarantine-model";

    /// <summary>A pack a workflow needs that is installed but disabled: moved back into place, never installed twice.</summary>
    public const string EnableNodePack = "enable-node-pack";

    /// <summary>Python distributions of ComfyUI's interpreter moved to a snapshot's exact versions, then verified with
    /// the installed metadata (never the exit code).</summary>
    public const string InstallPythonPackages = "install-python-packages";
}

/// <summary>Distributions to install at exact versions (<c>name==version</c>).</summary>
/// <param name="Packages">Name and version each; the installed set must equal these afterwards.</param>
/// <param name="AllowTorchFamily">The admin allowed changing torch, its family and CUDA wheels; without it they are
/// reported, never changed.</param>
public sealed record PlannedPython(IReadOnlyList<PythonPackage> Packages, bool AllowTorchFamily);

/// <summary>A node pack to install at a version, under <c>custom_nodes/PackName</c>.</summary>
public sealed record PlannedPack(string PackName, string Url, string? Version, IReadOnlyList<string> NodeTypes, string? RegistryId)
{
    /// <summary>Further pins tried in order when <see cref="Version"/> is not in the repository.</summary>
    public IReadOnlyList<string> OtherVersions { get; init; } = [];
}

/// <summary>A disabled pack to enable: <paramref name="From"/> (<c>custom_nodes/.disabled/x@1_0_5</c>, <c>custom_nodes/x.disabled</c>)
/// moved to <paramref name="PackName"/> beside it in the same <c>custom_nodes</c> folder.</summary>
/// <param name="From">The disabled copy's absolute path on the worker.</param>
/// <param name="PackName">The folder (or <c>.py</c> file) name it gets back: the name without <c>@version</c> or <c>.disabled</c>.</param>
/// <param name="Commit">Its HEAD commit when it is a checkout: the precondition checked before the move.</param>
/// <param name="Version">Its version (folder name, tag or pyproject), for the report and the precondition.</param>
/// <param name="NodeTypes">The node types the workflows need from it, checked statically once it is back.</param>
public sealed record PlannedEnable(string From, string PackName, string? Commit, string? Version, IReadOnlyList<string> NodeTypes);

/// <summary>A finding no action can fix, with what the admin can do about it.</summary>
public sealed record UnresolvableFinding(string Code, string Subject, string Message, string Hint)
{
    /// <summary>For a Python package the plan leaves as it is (issue 19.4): the version installed (null: absent), so the
    /// results show it as a package row beside the ones that changed.</summary>
    public string? Installed { get; init; }

    /// <summary>For a Python package the plan leaves: the version (or URL, credentials hidden) the snapshot pins.</summary>
    public string? Wanted { get; init; }
}
