using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Comparison;

/// <summary>
/// The lines of a comparison that issue 19.1 adds: ComfyUI's checkout (<c>comfyui commit</c>: <c>abc1234</c> or
/// <c>abc1234 (dirty)</c>) and one line per Python distribution of ComfyUI's interpreter (category <see cref="Python"/>,
/// the normalised name, its version with how it was installed when that is not a plain wheel). A worker whose packages
/// were not read shows <c>unknown</c> on every package line, never <c>absent</c>.
/// </summary>
public static class RuntimeAttributes
{
    /// <summary>The category of the package lines; a comparison lists only those that differ (like model lines).</summary>
    public const string Python = "python";

    public const string Unknown = "unknown";

    public static IEnumerable<(string Category, string Attribute, string Value)> Of(WorkerInventory worker)
    {
        var checkout = worker.Environment.ComfyUi;
        yield return ("runtime", "comfyui commit", Commit(checkout));
        foreach (var package in worker.Environment.Python?.Packages ?? [])
        {
            yield return (Python, package.Name, Version(package));
        }
    }

    /// <summary>The cell of a worker that has no value for a line: <c>unknown</c> for package lines of a worker whose packages
    /// were not read, else <see cref="FleetComparison.Absent"/>.</summary>
    public static string Missing(WorkerInventory? worker, string category) =>
        category == Python && worker?.Environment.Python?.Packages is null ? Unknown : FleetComparison.Absent;

    /// <summary>Whether a package line's cell says nothing to compare: <c>unknown</c> (that worker's packages were not read) is
    /// never marked as a difference, nor makes the others differ — 300 packages of one older agent are not 300 differences.</summary>
    public static bool Unjudged(string category, params ReadOnlySpan<string> values)
    {
        foreach (var value in values)
        {
            if (category == Python && value == Unknown)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>abc1234def56</c>, <c>abc1234def56 (dirty)</c>, <c>not a git checkout</c>, or <c>unknown</c> from an older
    /// agent.</summary>
    public static string Commit(ComfyUiCheckout? checkout) =>
        checkout switch
        {
            null => Unknown,
            { Commit: null } => "not a git checkout",
            { Commit: { } commit } => commit[..Math.Min(12, commit.Length)] + (checkout.Dirty == true ? " (dirty)" : ""),
        };

    /// <summary><c>0.0.28</c>, <c>1.2.0 (editable)</c>, <c>1.2.0 (url)</c>.</summary>
    public static string Version(PythonPackage package) =>
        package.Installer == PythonInstallKinds.Wheel ? package.Version : $"{package.Version} ({package.Installer})";
}
