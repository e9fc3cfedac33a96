using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Tests.NodeResolution;

/// <summary>
/// ComfyUI-Manager's method, for comparison: a node type is looked up by exact name in the node map, then by the packs'
/// name patterns; exactly one pack means resolved, several mean ambiguous, none unresolved. With hints, a node's
/// <c>cnr_id</c>/<c>aux_id</c> is used first, as the Manager does for hinted nodes.
/// </summary>
internal static class ManagerBaseline
{
    public enum Outcome
    {
        Core,
        Unique,
        Ambiguous,
        Unresolved,
    }

    public static Dictionary<string, (Outcome Outcome, string? Url)> Resolve(
        WorkflowDocument workflow,
        NodeCatalog catalog,
        CoreNodes core,
        bool useHints
    )
    {
        var results = new Dictionary<string, (Outcome, string?)>(StringComparer.Ordinal);
        foreach (var group in workflow.Nodes.GroupBy(n => n.Type, StringComparer.Ordinal))
        {
            var type = group.Key;
            if (core.Contains(type))
            {
                results[type] = (Outcome.Core, null);
                continue;
            }

            var hinted = useHints
                ? group
                    .Select(n =>
                        n.CnrId is { } c ? catalog.FindByCnrId(c)
                        : n.AuxId is { } a ? catalog.FindByAuxId(a)
                        : null
                    )
                    .FirstOrDefault(p => p is not null)
                : null;
            if (hinted is not null)
            {
                results[type] = (Outcome.Unique, hinted.Url);
                continue;
            }

            var packs = catalog.Listing(type);
            if (packs.Count == 0)
            {
                packs = catalog.MatchingPattern(type);
            }

            results[type] = packs.Count switch
            {
                0 => (Outcome.Unresolved, null),
                1 => (Outcome.Unique, packs[0].Url),
                _ => (Outcome.Ambiguous, null),
            };
        }

        return results;
    }
}
