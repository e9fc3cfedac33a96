namespace ComfyDoctor.Core.Repair;

/// <summary>
/// What an admin asked to repair: the action names of the API and CLI (<c>sync-models</c>, <c>install-nodes</c>,
/// <c>verify-and-repair</c> = a deep scan first, then both; <c>quarantine-models</c> = move the named unknown or unsafe
/// files out of ComfyUI's reach, the one explicit way a repair takes a file away).
/// </summary>
public sealed record RepairScope(bool SyncModels, bool InstallNodes, bool DeepScanFirst, bool Quarantine = false)
{
    public const string SyncModelsAction = "sync-models";
    public const string InstallNodesAction = "install-nodes";
    public const string VerifyAndRepairAction = "verify-and-repair";
    public const string QuarantineModelsAction = "quarantine-models";

    public static IReadOnlyList<string> Names { get; } =
    [SyncModelsAction, InstallNodesAction, VerifyAndRepairAction, QuarantineModelsAction];

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
        return new RepairScope(
            all || actions.Contains(SyncModelsAction, StringComparer.Ordinal),
            all || actions.Contains(InstallNodesAction, StringComparer.Ordinal),
            all,
            actions.Contains(QuarantineModelsAction, StringComparer.Ordinal)
        );
    }

    public IReadOnlyList<string> ToNames() =>
        [
            .. DeepScanFirst
                ? [VerifyAndRepairAction]
                : (SyncModels ? [SyncModelsAction] : Array.Empty<string>()).Concat(InstallNodes ? [InstallNodesAction] : []),
            .. Quarantine ? [QuarantineModelsAction] : Array.Empty<string>(),
        ];
}
