using System.Security.Cryptography;
using System.Text;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Repair;

/// <summary>
/// The precondition of an <c>install-python-packages</c> action: the planned packages' installed versions as the plan saw
/// them. Its <see cref="SubjectState"/> is present when the interpreter's packages were read, with a fingerprint (SHA-256
/// of <c>name==version</c> per planned name, <c>name absent</c> when not installed) as its hash; the planner records it
/// as <see cref="PlannedAction.Before"/>, and the agent refuses the action as "changed since planned" when someone moved
/// one of those packages in between.
/// </summary>
public static class PythonPreconditions
{
    /// <summary>The subject of <paramref name="python"/> on <paramref name="inventory"/>: what <see cref="PlannedAction.Before"/>
    /// holds.</summary>
    public static SubjectState State(PlannedPython python, WorkerInventory inventory) =>
        inventory.Environment.Python?.Packages is { } installed
            ? new SubjectState(true, Sha256: Fingerprint(python, installed))
            : SubjectState.Absent;

    /// <summary>Null while the planned packages are as the plan saw them; else what moved, in words.</summary>
    public static string? Moved(SubjectState? planned, PlannedPython python, WorkerInventory now)
    {
        if (planned is null)
        {
            return null; // a plan without a precondition
        }

        var current = State(python, now);
        if (planned.Present && !current.Present)
        {
            return "ComfyUI's Python packages were read when planned and cannot be read now";
        }

        if (planned.Present == current.Present && string.Equals(planned.Sha256, current.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var installed = now.Environment.Python?.Packages ?? [];
        return "the Python packages it changes moved since planned; now: " + string.Join(", ", Versions(python, installed));
    }

    private static string Fingerprint(PlannedPython python, IReadOnlyList<PythonPackage> installed)
    {
        var text = string.Join('\n', Versions(python, installed));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary><c>name version</c> or <c>name absent</c> per planned name, in name order.</summary>
    private static IEnumerable<string> Versions(PlannedPython python, IReadOnlyList<PythonPackage> installed)
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var package in installed)
        {
            byName.TryAdd(PythonPackageNames.Normalize(package.Name), package.Version);
        }

        return python
            .Packages.Select(p => PythonPackageNames.Normalize(p.Name))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(name => byName.TryGetValue(name, out var version) ? $"{name} {version}" : $"{name} absent");
    }
}
