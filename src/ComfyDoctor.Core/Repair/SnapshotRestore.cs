using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Nodes;
using ComfyDoctor.Core.Snapshots;

namespace ComfyDoctor.Core.Repair;

/// <summary>
/// "Match snapshot" (issue 19.4), the planner's part: which requirement a node finding answers — a workflow's need
/// (install-nodes) or a snapshot's pack (match-snapshot; install-nodes too when a workflow also needs it) — and the one
/// <c>install-python-packages</c> action that moves the interpreter to the snapshot's exact versions. The torch family and
/// CUDA wheels join it only with the admin's explicit allowance (<see cref="RepairScope.AllowTorchFamily"/>); otherwise each
/// is listed as what the plan leaves, with why.
/// </summary>
public static class SnapshotRestore
{
    /// <summary>The requirement a node finding answers, and whether the asked scope covers it.</summary>
    public static (RequiredNodePack? Pack, bool InScope) NodePack(Finding finding, ExpectedState expected, RepairScope scope)
    {
        if (finding.Code is not (FindingCodes.NodeMissing or FindingCodes.NodeVersionMismatch or FindingCodes.NodeDisabled))
        {
            return (
                null,
                finding.Code switch
                {
                    FindingCodes.NodeUnexpected => scope.MatchSnapshot,
                    FindingCodes.SnapshotConflict => true,
                    _ => scope.InstallNodes || (scope.MatchSnapshot && expected.Snapshot is not null && finding.Severity != Severity.Info),
                }
            );
        }

        if (expected.RequiredNodePacks.FirstOrDefault(p => RepoUrl.SameRepo(p.Url, finding.Subject)) is { } workflow)
        {
            return (workflow, scope.InstallNodes);
        }

        return expected.Snapshot?.PackFor(finding.Subject) is { } pack
            ? (pack, scope.MatchSnapshot || (scope.InstallNodes && SnapshotExpectation.WorkflowsNeed(pack)))
            : (null, scope.InstallNodes || scope.MatchSnapshot);
    }

    /// <summary>Whether a finding outside the node light belongs to match-snapshot.</summary>
    public static bool IsRuntimeFinding(Finding finding) =>
        finding.Code is FindingCodes.PythonPackageMismatch or FindingCodes.PythonPackageUnexpected or FindingCodes.ComfyUiVersionMismatch
        || (finding.Code == FindingCodes.SnapshotConflict && finding.Category == HealthCategory.Runtime);

    /// <summary>The Python packages to move (one action), and every runtime finding left to the admin.</summary>
    public static void Plan(
        IReadOnlyList<Finding> findings,
        ExpectedState expected,
        WorkerInventory inventory,
        RepairScope scope,
        List<PlannedAction> actions,
        List<UnresolvableFinding> unresolvable
    )
    {
        var pins = expected.Snapshot?.Python ?? [];
        var installed = (inventory.Environment.Python?.Packages ?? []).ToDictionary(p => PipPin.Normalize(p.Name), StringComparer.Ordinal);
        var packages = new List<PythonPackage>();
        var reasons = new List<string>();
        foreach (var finding in findings)
        {
            var (pin, from) = pins.FirstOrDefault(p => p.Pin.Name == finding.Subject);
            var hint =
                finding.Code != FindingCodes.PythonPackageMismatch ? HintFor(finding.Code)
                : pin is null ? "the agent reported no Python packages: upgrade it (comfydoctor deploy) so they can be compared"
                : pin.Version is null ? $"{from} pins a direct URL ({Wanted(pin)}): install it by hand, only exact versions are restored"
                : (
                    TorchFamily.Contains(pin.Name, pin.Version)
                    || TorchFamily.Contains(pin.Name, installed.GetValueOrDefault(pin.Name)?.Version)
                ) && !scope.AllowTorchFamily
                    ? "torch family or CUDA wheel: left as it is; plan again with allow-torch-family to change it (your pip index must "
                        + "hold the matching CUDA build)"
                : null;
            if (hint is not null)
            {
                unresolvable.Add(
                    new(finding.Code, finding.Subject, finding.Message, hint)
                    {
                        Installed = pin is null ? null : installed.GetValueOrDefault(pin.Name)?.Version,
                        Wanted = pin is null ? null : Wanted(pin),
                    }
                );
                continue;
            }

            if (packages.All(p => p.Name != pin!.Name))
            {
                packages.Add(new PythonPackage(pin!.Name, pin.Version!, PythonInstallKinds.Wheel, null));
                reasons.Add($"{pin.Name} {installed.GetValueOrDefault(pin.Name)?.Version ?? "(absent)"} → {pin.Version}");
            }
        }

        if (packages.Count == 0)
        {
            return;
        }

        actions.Add(
            new PlannedAction(
                RepairActionKinds.InstallPythonPackages,
                "python",
                $"{FindingCodes.PythonPackageMismatch}: {string.Join(", ", reasons)} ({string.Join(" and ", expected.Snapshot!.Labels)})",
                [],
                string.Join(", ", packages.Select(p => $"{p.Name}=={p.Version}"))
                    + " in ComfyUI's interpreter, checked against its installed "
                    + "metadata afterwards",
                null,
                null
            )
            {
                Python = new PlannedPython(packages, scope.AllowTorchFamily),
            }
        );
    }

    /// <summary>The pinned version, or the pinned URL without its credentials.</summary>
    private static string Wanted(PipPin pin) => pin.Version ?? Text.UrlCredentials.Redact(pin.Url ?? "");

    /// <summary>What the admin can do about the findings of issue 19 no action fixes; null for other codes.</summary>
    public static string? HintFor(string code) =>
        code switch
        {
            FindingCodes.NodeUnexpected =>
                "in no snapshot of this worker: remove or disable it yourself if it should not be there, or adopt this worker's "
                    + "state as the snapshot (snapshot adopt); nothing is removed automatically",
            FindingCodes.SnapshotConflict =>
                "two expectations disagree: import a corrected snapshot or change the workflow pin, then plan again",
            FindingCodes.PythonPackageUnexpected =>
                "in no snapshot's pips: uninstall it yourself if it should not be there (pip uninstall in ComfyUI's interpreter), or "
                    + "adopt this worker's state as the snapshot; a restore never removes a package",
            FindingCodes.ComfyUiVersionMismatch =>
                "move ComfyUI's checkout to the snapshot's commit (git -C <ComfyUI> checkout <commit>) and restart it; a repair "
                    + "does not move ComfyUI itself",
            _ => null,
        };
}
