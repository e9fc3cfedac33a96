using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Text;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>One Python package of a repair's results, as the results table shows it (issue 19.4).</summary>
/// <param name="Wanted">The version the plan asked for; null for a dependency that moved with the planned ones.</param>
/// <param name="Before">The version before (null: not installed).</param>
/// <param name="After">The version when the action ended, after any rollback (null: not installed).</param>
/// <param name="Outcome">One of <see cref="PythonPackageStates"/>, or <see cref="PackageRows.LeftAlone"/> for a package the
/// plan did not change (the torch family without the admin's allowance, a URL pin).</param>
/// <param name="Message">Why, with credentials in URLs hidden.</param>
public sealed record PackageRow(string Name, string? Wanted, string? Before, string? After, string Outcome, string? Message);

/// <summary>
/// The package rows of one worker's repair: every package of each <c>install-python-packages</c> action (planned ones and the
/// dependencies that moved with them), and every package the confirmed plan left as it is, with the hint that says why.
/// </summary>
public static class PackageRows
{
    public const string LeftAlone = "left-alone";

    public static IReadOnlyList<PackageRow> Of(RepairOutcome outcome)
    {
        var rows = new List<PackageRow>();
        for (var i = 0; i < outcome.Actions.Count; i++)
        {
            var action = outcome.Actions[i];
            if (action.Kind != RepairActionKinds.InstallPythonPackages)
            {
                continue;
            }

            if (action.Packages.Count > 0)
            {
                rows.AddRange(action.Packages.Select(p => new PackageRow(p.Name, p.Planned, p.Before, p.After, p.State, Shown(p.Message))));
                continue;
            }

            // Nothing per package (no interpreter, cancelled, an older agent): each planned package with the action's outcome.
            var planned = i < outcome.Plan.Actions.Count ? outcome.Plan.Actions[i].Python?.Packages ?? [] : [];
            rows.AddRange(planned.Select(p => new PackageRow(p.Name, p.Version, null, null, action.Outcome, Shown(action.Message))));
        }

        rows.AddRange(
            outcome
                .Plan.Unresolvable.Where(u => u.Code == FindingCodes.PythonPackageMismatch && u.Wanted is not null)
                .Select(u => new PackageRow(u.Subject, u.Wanted, u.Installed, u.Installed, LeftAlone, Shown(u.Hint)))
        );
        return rows;
    }

    private static string? Shown(string? message) => message is null ? null : UrlCredentials.Redact(message);
}
