namespace ComfyDoctor.Core.Repair;

/// <summary>
/// What an admin asked to repair: the action names of the API and CLI (<c>sync-models</c>, <c>install-nodes</c>,
/// <c>verify-and-repair</c> = a deep scan first, then both; <c>quarantine-models</c> = move the named unknown or unsafe
/// files out of ComfyUI's reach, the one explicit way a repair takes a file away; <c>match-snapshot</c> = move the worker to
/// its snapshots: packs, enabled state and Python packages, also part of verify-and-repair; <c>allow-torch-family</c> =
/// the admin's explicit allowance to change torch, its family and CUDA wheels too).
/// </summary>
public sealed record RepairScope(
    bool SyncModels,
    bool InstallNodes,
    bool DeepScanFirst,
    bool Quarantine = false,
    bool MatchSnapshot = false,
    bool AllowTorchFamily = false
)
{
    public const string SyncModelsAction = "sync-models";
    public const string InstallNodesAction = "install-nodes";
    public const string VerifyAndRepairAction = "verify-and-repair";
    public const string QuarantineModelsAction = "quarantine-models";
    public const string MatchSnapshotAction = "match-snapshot";
    public const string AllowTorchFamilyAction = "allow-torch-family";

    public static IReadOnlyList<string> Names { get; } =
    [SyncModelsAction, InstallNodesAction, VerifyAndRepairAction, QuarantineModelsAction, MatchSnapshotAction, AllowTorchFamilyAction];

    /// <summary>The scope of a list of action names, or why the list is not valid.</summary>
    public static RepairScope Parse(IReadOnlyCollection<string>? actions)
    {
        if (actions is null || actions.Count == 0)
        {
            throw new FormatException($"actions: name at least one of {string.Join(", ", Names)}");
        }

        if (actions.FirstOrDefault(a => !Names.Contains(a, StringComparer.Ordinal)) is { } unknown)
        {
            throw new FormatException($"actions: '{unknown}' is not one of {string.Join(", ", Names)}");
        }

        var all = actions.Contains(VerifyAndRepairAction, StringComparer.Ordinal);
        var match = all || actions.Contains(MatchSnapshotAction, StringComparer.Ordinal);
        var torch = actions.Contains(AllowTorchFamilyAction, StringComparer.Ordinal);
        if (torch && !match)
        {
            throw new FormatException($"actions: '{AllowTorchFamilyAction}' only widens {MatchSnapshotAction} or {VerifyAndRepairAction}");
        }

        return new RepairScope(
            all || actions.Contains(SyncModelsAction, StringComparer.Ordinal),
            all || actions.Contains(InstallNodesAction, StringComparer.Ordinal),
            all,
            actions.Contains(QuarantineModelsAction, StringComparer.Ordinal),
            match,
            torch
        );
    }

    public IReadOnlyList<string> ToNames() =>
        [
            .. DeepScanFirst
                ? [VerifyAndRepairAction]
                : (SyncModels ? [SyncModelsAction] : Array.Empty<string>()).Concat(InstallNodes ? [InstallNodesAction] : []),
            .. Quarantine ? [QuarantineModelsAction] : Array.Empty<string>(),
            .. MatchSnapshot && !DeepScanFirst ? [MatchSnapshotAction] : Array.Empty<string>(),
            .. AllowTorchFamily ? [AllowTorchFamilyAction] : Array.Empty<string>(),
        ];
}
