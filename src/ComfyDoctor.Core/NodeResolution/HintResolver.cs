using ComfyDoctor.Core.Nodes;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>A pack named by a node's own hints.</summary>
internal sealed record HintMatch(ResolvedPack Pack, ResolutionEvidence Evidence, string Reason, string? Version);

/// <summary>
/// Reads what a node says about its pack: <c>cnr_id</c> (a registry id, matched to the node list's <c>id</c> or a
/// repository name) before <c>aux_id</c> (<c>owner/repo</c>, trusted even when the catalog does not list it).
/// </summary>
internal static class HintResolver
{
    public const string CoreCnrId = "comfy-core";

    public static bool MarksCore(WorkflowNode node) => string.Equals(node.CnrId?.Trim(), CoreCnrId, StringComparison.OrdinalIgnoreCase);

    public static HintMatch? Resolve(WorkflowNode node, NodeCatalog catalog, ICollection<string> notes)
    {
        if (node.CnrId is { } cnr && !MarksCore(node))
        {
            if (catalog.FindByCnrId(cnr) is { } pack)
            {
                return new HintMatch(
                    ToResolved(pack),
                    ResolutionEvidence.CnrId,
                    $"the node's cnr_id '{cnr}' names this pack",
                    node.Version
                );
            }

            notes.Add($"cnr_id '{cnr}' is not in the catalog");
        }

        if (node.AuxId is { } aux)
        {
            if (!IsOwnerRepo(aux))
            {
                notes.Add($"aux_id '{aux}' is not of the form owner/repo");
                return null;
            }

            if (catalog.FindByAuxId(aux) is { } pack)
            {
                return new HintMatch(
                    ToResolved(pack),
                    ResolutionEvidence.AuxId,
                    $"the node's aux_id '{aux}' names this repository",
                    node.Version
                );
            }

            var url = "https://github.com/" + aux.Trim();
            return new HintMatch(
                new ResolvedPack(url, null, RepoUrl.RepoName(url), InCatalog: false),
                ResolutionEvidence.AuxId,
                $"the node's aux_id '{aux}' names this repository (not in the imported catalog)",
                node.Version
            );
        }

        return null;
    }

    public static ResolvedPack ToResolved(CatalogPack pack) =>
        new(pack.Url, pack.Id, pack.Title, InCatalog: true) { AlternateUrls = pack.AlternateUrls };

    private static bool IsOwnerRepo(string value)
    {
        var parts = value.Trim().Split('/');
        return parts.Length == 2
            && parts.All(p =>
                p.Length is > 0 and <= 100 && p is not ("." or "..") && p.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            );
    }
}
