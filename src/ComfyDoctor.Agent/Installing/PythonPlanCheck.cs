using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Installing;

/// <summary>One planned distribution against what is installed: its pip specifier, or why it is refused.</summary>
internal sealed record PlannedDistribution(string Name, string Version, string? Before, string? Spec, string? Refusal)
{
    public bool NeedsChange => !PythonVersions.Same(Before, Version);
}

/// <summary>
/// Checks an <c>install-python-packages</c> plan before pip sees it, against the agent's own policy: names and versions
/// pip reads as exactly one version (nothing that is an option, a marker or a URL in disguise), one version per name, no
/// known-compromised release, no editable install (a developer's checkout is restored by hand), a URL install only where
/// the policy allows direct references, and — unless the admin allowed it for this plan — no change to the torch family
/// or a CUDA wheel (<see cref="TorchFamily"/>). Packages already at their version are never refused: the check is on
/// what would change.
/// </summary>
internal static class PythonPlanCheck
{
    public static IReadOnlyList<PlannedDistribution> Judge(PlannedPython plan, PipSnapshot installed, InstallPolicy policy)
    {
        var denied = policy.DeniedRequirements.Select(RequirementsGuard.ParseDenied).OfType<(string Name, string Version)>().ToHashSet();
        var versions = plan
            .Packages.GroupBy(p => PythonPackageNames.Normalize(p.Name ?? ""), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => PythonVersions.Normal(p.Version ?? "")).Distinct(StringComparer.Ordinal).Count());
        var judged = new List<PlannedDistribution>();
        foreach (var package in plan.Packages.DistinctBy(p => PythonPackageNames.Normalize(p.Name ?? ""), StringComparer.Ordinal))
        {
            var name = PythonPackageNames.Normalize(package.Name ?? "");
            var before = installed.VersionOf(name);
            var refusal = Refusal(package, name, before, versions[name], denied, plan.AllowTorchFamily, policy);
            var spec = refusal is null ? Spec(package, name) : null;
            judged.Add(new PlannedDistribution(name, package.Version, before, spec, refusal));
        }

        return [.. judged.OrderBy(d => d.Name, StringComparer.Ordinal)];
    }

    private static string? Refusal(
        PythonPackage package,
        string name,
        string? before,
        int versions,
        HashSet<(string Name, string Version)> denied,
        bool allowTorch,
        InstallPolicy policy
    )
    {
        if (!PythonPackageNames.IsValidName(package.Name ?? "") || !PythonPackageNames.IsValidVersion(package.Version ?? ""))
        {
            return $"'{package.Name}=={package.Version}' is not a distribution name and exact version pip can read safely";
        }

        if (versions > 1)
        {
            return $"the plan names {name} with {versions} different versions";
        }

        if (PythonVersions.Same(before, package.Version))
        {
            return null; // already there: nothing to do, nothing to refuse
        }

        if (denied.Any(d => d.Name == name && PythonVersions.Same(d.Version, package.Version)))
        {
            return $"{name} {package.Version} is a known-compromised release (the agent's deny list)";
        }

        if (!allowTorch && (TorchFamily.Contains(name, package.Version) || (before is not null && TorchFamily.Contains(name, before))))
        {
            return $"{name} is of the torch family or a CUDA wheel ({before ?? "absent"} → {package.Version}): changed only when the admin "
                + "allows it explicitly for this restore";
        }

        if (package.Installer == PythonInstallKinds.Editable)
        {
            return $"{name} was an editable install ({package.Url ?? "a local checkout"}): a developer's checkout is restored by hand";
        }

        return package.Installer == PythonInstallKinds.Url && !policy.AllowDirectReferences
            ? $"{name} was installed from a URL ({package.Url ?? "unknown"}); this agent installs only from its configured index "
                + "(allow direct references to restore it from the URL)"
            : null;
    }

    private static string Spec(PythonPackage package, string name) =>
        package.Installer == PythonInstallKinds.Url && package.Url is { } url ? $"{name} @ {url}" : $"{name}=={package.Version}";

    /// <summary>The result of a distribution when the whole action is refused before anything ran.</summary>
    public static PythonPackageResult NotAttempted(PlannedDistribution d) =>
        new(
            d.Name,
            d.Before,
            d.Version,
            d.Before,
            d.Refusal is null && !d.NeedsChange ? PythonPackageStates.Unchanged : PythonPackageStates.Refused,
            d.Refusal ?? (d.NeedsChange ? "not attempted: another package of the plan was refused, so nothing was changed" : null)
        );
}
