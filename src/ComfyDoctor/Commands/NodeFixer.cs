using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Nodes;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// Turns the node findings of a report into install requests — one per pack that is missing or at the wrong
/// version — and runs them with the installer, one after another.
/// </summary>
public static class NodeFixer
{
    public static IReadOnlyList<PackInstallRequest> Requests(WorkerReport report, ExpectedState expected, NodeCatalog? catalog)
    {
        var wanted = report.Findings
            .Where(f => f.Code is FindingCodes.NodeMissing or FindingCodes.NodeVersionMismatch)
            .Select(f => f.Subject)
            .ToHashSet(RepoUrl.Comparer);
        return expected.RequiredNodePacks
            .Where(p => wanted.Contains(p.Url))
            .Select(p => new PackInstallRequest(
                PackName(report, p),
                p.Url,
                p.Version,
                p.NodeTypes,
                Submodules: false,
                RegistryId: p.Id ?? catalog?.FindByUrl(p.Url)?.Id))
            .ToList();
    }

    public static Task<IReadOnlyList<PackInstallResult>> RunAsync(
        IReadOnlyList<PackInstallRequest> requests, InstallPolicy policy, InstallContext context, RegistrySource? registry,
        NodeTypeScanner scanner, IProgress<InstallProgress>? progress, CancellationToken ct)
    {
        var http = registry is null ? null : new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        var installer = new NodePackInstaller(policy, scanner, http is null ? null : new RegistryClient(http, registry!));
        return RunAndDisposeAsync(installer, http, requests, context, progress, ct);
    }

    private static async Task<IReadOnlyList<PackInstallResult>> RunAndDisposeAsync(NodePackInstaller installer, HttpClient? http,
        IReadOnlyList<PackInstallRequest> requests, InstallContext context, IProgress<InstallProgress>? progress, CancellationToken ct)
    {
        using (http)
        {
            return await installer.InstallAllAsync(requests, context, progress, ct);
        }
    }

    /// <summary>The folder of the installed pack when one exists (moved to the pin in place), else the repository name.</summary>
    private static string PackName(WorkerReport report, RequiredNodePack pack) =>
        report.Inventory.NodePacks.FirstOrDefault(installed => !installed.IsFile && InstalledPackMatcher.Matches(installed, pack))?.Name
        ?? RepoUrl.RepoName(pack.Url);
}
