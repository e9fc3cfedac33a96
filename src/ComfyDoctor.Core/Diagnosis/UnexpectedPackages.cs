using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Snapshots;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>
/// Python packages installed in ComfyUI's interpreter that none of the worker's snapshots lists (<c>python.package-unexpected</c>,
/// yellow): judged only where a snapshot lists packages at all (ComfyUI-Manager writes the whole <c>pip freeze</c>), never the
/// tools <c>pip freeze</c> leaves out itself (pip, setuptools, wheel, distribute). Reported, never removed. Past
/// <see cref="MaxEach"/> packages (a snapshot that pins only a few) they are one finding that names the first ones.
/// </summary>
internal static class UnexpectedPackages
{
    public const int MaxEach = 20;

    public static IEnumerable<Finding> Check(SnapshotExpectation snapshot, WorkerInventory inventory)
    {
        if (snapshot.Python.Count == 0 || inventory.Environment.Python?.Packages is not { } packages)
        {
            return [];
        }

        var listed = snapshot.Python.Select(p => p.Pin.Name).ToHashSet(StringComparer.Ordinal);
        var extra = packages
            .Where(p => PipPin.Normalize(p.Name) is var name && !listed.Contains(name) && !PipFreeze.MayLeaveOut(name))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        var labels = string.Join(" and ", snapshot.Labels);
        if (extra.Count <= MaxEach)
        {
            return extra.Select(p => Unexpected(p.Name, $"{p.Version} is installed, but {labels} does not list it"));
        }

        var named = string.Join(", ", extra.Take(MaxEach).Select(p => $"{p.Name} {p.Version}"));
        return
        [
            Unexpected("python", $"{extra.Count} packages are installed that {labels} does not list (does it pin only some?): {named}, …"),
        ];
    }

    private static Finding Unexpected(string subject, string message) =>
        new(
            FindingCodes.PythonPackageUnexpected,
            Severity.Warning,
            subject,
            message + "; nothing is uninstalled automatically",
            false,
            HealthCategory.Runtime
        );
}
