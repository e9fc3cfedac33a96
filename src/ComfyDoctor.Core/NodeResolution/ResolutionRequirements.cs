using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>Turns a <see cref="ResolutionReport"/> into the requirement records of <see cref="ExpectedState"/>.</summary>
public static class ResolutionRequirements
{
    /// <summary>One <see cref="RequiredNodePack"/> per pack across all workflows, with the types it was chosen for. Nodes
    /// saved at different times can pin one pack differently: the pin most nodes carry is <c>Version</c>, the others
    /// <c>OtherVersions</c> (tried in order when the first is not in the repository; any one met is honoured).</summary>
    public static IReadOnlyList<RequiredNodePack> NodePacks(this ResolutionReport report) =>
        report
            .Workflows.SelectMany(w =>
                w.Nodes.Where(n => n.Status == ResolutionStatus.Resolved).Select(n => (Workflow: w.FileName, Node: n))
            )
            .GroupBy(x => RepoUrl.Normalize(x.Node.Pack!.Url).ToLowerInvariant())
            .Select(g =>
            {
                var pins = g.Where(x => x.Node.Version is not null)
                    .GroupBy(x => x.Node.Version!.Trim(), StringComparer.OrdinalIgnoreCase)
                    .OrderByDescending(p => p.Count())
                    .Select(p => p.Key)
                    .ToList();
                return new RequiredNodePack(
                    RepoUrl.Normalize(g.First().Node.Pack!.Url),
                    g.First().Node.Pack!.Id,
                    pins.FirstOrDefault(),
                    g.Select(x => x.Node.Type).Distinct(StringComparer.Ordinal).ToList(),
                    g.Select(x => x.Workflow).Distinct(StringComparer.Ordinal).ToList(),
                    string.Join(" | ", g.Select(x => $"{x.Node.Type}: {x.Node.Reason}").Distinct(StringComparer.Ordinal))
                )
                {
                    OtherVersions = pins.Skip(1).ToList(),
                    AlternateUrls = g.First().Node.Pack!.AlternateUrls,
                };
            })
            .ToList();

    public static IReadOnlyList<UnresolvedNode> UnresolvedNodes(this ResolutionReport report) =>
        report
            .Workflows.SelectMany(w =>
                w.Nodes.Where(n => n.Status == ResolutionStatus.Unresolved).Select(n => (Workflow: w.FileName, n.Type))
            )
            .GroupBy(x => x.Type, StringComparer.Ordinal)
            .Select(g => new UnresolvedNode(g.Key, g.Select(x => x.Workflow).Distinct(StringComparer.Ordinal).ToList()))
            .ToList();

    /// <summary>One <see cref="RequiredModel"/> per identity (ignoring case), with any URL or hash a workflow gives.</summary>
    public static IReadOnlyList<RequiredModel> Models(this ResolutionReport report) =>
        report
            .Workflows.SelectMany(w => w.Models.Select(m => (Workflow: w.FileName, Model: m)))
            .GroupBy(x => x.Model.Identity, StringComparer.OrdinalIgnoreCase)
            .Select(g => new RequiredModel(
                g.First().Model.Identity,
                g.Select(x => x.Model.Url).FirstOrDefault(u => u is not null),
                g.Select(x => x.Model.Sha256).FirstOrDefault(s => s is not null),
                g.Select(x => x.Workflow).Distinct(StringComparer.Ordinal).ToList()
            ))
            .ToList();
}
