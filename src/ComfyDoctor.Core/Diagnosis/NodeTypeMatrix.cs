namespace ComfyDoctor.Core.Diagnosis;

/// <summary>One node type a registered workflow needs, and its state on each worker (issue 15.6, PRD 1.2).</summary>
/// <param name="Pack">The pack it was resolved to; null when unresolved.</param>
/// <param name="Workers">Worker → <see cref="NodeTypeMatrix.Ok"/>, <see cref="NodeTypeMatrix.Missing"/>,
/// <see cref="NodeTypeMatrix.Unresolved"/> or <see cref="NodeTypeMatrix.VersionMismatch"/>.</param>
public sealed record NodeTypeRow(
    string NodeType,
    string? Pack,
    IReadOnlyList<string> RequiredBy,
    IReadOnlyDictionary<string, string> Workers
);

/// <summary>Per node type per worker, from what workflows need and the node findings of each worker's latest report.</summary>
public static class NodeTypeMatrix
{
    public const string Ok = "ok";
    public const string Missing = "missing";
    public const string Unresolved = "unresolved";
    public const string VersionMismatch = "version-mismatch";
    public const string Disabled = "disabled";

    public static IReadOnlyList<NodeTypeRow> Build(
        ExpectedState expected,
        IReadOnlyDictionary<string, IReadOnlyList<Finding>> findingsByWorker
    )
    {
        var states = findingsByWorker.ToDictionary(w => w.Key, w => StatesOf(w.Value), StringComparer.Ordinal);
        var rows = expected
            .RequiredNodePacks.SelectMany(p => p.NodeTypes.Select(t => (Type: t, Pack: (string?)p.Url, p.RequiredBy)))
            .Concat(expected.UnresolvedNodes.Select(u => (Type: u.NodeType, Pack: (string?)null, u.RequiredBy)))
            .GroupBy(x => (x.Type, x.Pack))
            .Select(g => new NodeTypeRow(
                g.Key.Type,
                g.Key.Pack,
                [.. g.SelectMany(x => x.RequiredBy).Distinct(StringComparer.Ordinal)],
                states.ToDictionary(s => s.Key, s => s.Value.GetValueOrDefault(g.Key.Type, Ok), StringComparer.Ordinal)
            ));
        return [.. rows.OrderBy(r => r.NodeType, StringComparer.Ordinal)];
    }

    private static Dictionary<string, string> StatesOf(IReadOnlyList<Finding> findings)
    {
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var finding in findings)
        {
            var state = finding.Code switch
            {
                FindingCodes.NodeMissing => Missing,
                FindingCodes.NodeUnresolved => Unresolved,
                FindingCodes.NodeVersionMismatch => VersionMismatch,
                FindingCodes.NodeDisabled => Disabled,
                _ => null,
            };
            foreach (var type in state is null ? [] : finding.NodeTypes ?? [])
            {
                states.TryAdd(type, state!);
            }
        }

        return states;
    }
}
