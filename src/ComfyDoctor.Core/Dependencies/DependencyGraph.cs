using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.Dependencies;

public enum GraphNodeKind
{
    Workflow,
    Model,
    NodePack,
}

/// <summary>A workflow, model or node pack; <paramref name="MissingOn"/>: the workers (of those given) that lack it.</summary>
public sealed record GraphNode(string Id, GraphNodeKind Kind, string Label, IReadOnlyList<string> MissingOn);

/// <summary>The workflow <paramref name="From"/> needs <paramref name="To"/> (node ids).</summary>
public sealed record GraphEdge(string From, string To);

/// <summary>Which workflows need which models and node packs, and which workers lack each of them.</summary>
public sealed record DependencyGraph(IReadOnlyList<string> Workers, IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges)
{
    public static DependencyGraph Build(IReadOnlyList<WorkflowNeeds> workflows, IReadOnlyList<WorkerInventory> workers)
    {
        var nodes = new Dictionary<string, GraphNode>(StringComparer.Ordinal);
        var edges = new HashSet<GraphEdge>();
        foreach (var workflow in workflows.OrderBy(w => w.Workflow, StringComparer.Ordinal))
        {
            var from = "workflow:" + workflow.Workflow;
            nodes[from] = new GraphNode(from, GraphNodeKind.Workflow, workflow.Workflow, []);
            foreach (var model in workflow.Models)
            {
                var id = "model:" + model;
                nodes.TryAdd(
                    id,
                    new GraphNode(
                        id,
                        GraphNodeKind.Model,
                        model,
                        Lacking(workers, w => w.Models.Any(m => ModelReference.Satisfies(model, m.Identity)))
                    )
                );
                edges.Add(new GraphEdge(from, id));
            }

            foreach (var pack in workflow.NodePacks)
            {
                var id = "pack:" + RepoUrl.Normalize(pack.Url);
                nodes.TryAdd(
                    id,
                    new GraphNode(
                        id,
                        GraphNodeKind.NodePack,
                        RepoUrl.OwnerAndRepo(pack.Url) ?? RepoUrl.RepoName(pack.Url),
                        Lacking(workers, w => w.NodePacks.Any(p => !p.Disabled && InstalledPackMatcher.Matches(p, pack)))
                    )
                );
                edges.Add(new GraphEdge(from, id));
            }
        }

        var ordered = nodes.Values.OrderBy(n => n.Kind).ThenBy(n => n.Label, StringComparer.Ordinal).ToList();
        return new DependencyGraph(
            workers.Select(w => w.Worker).ToList(),
            ordered,
            edges.OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal).ToList()
        );
    }

    private static List<string> Lacking(IReadOnlyList<WorkerInventory> workers, Func<WorkerInventory, bool> has) =>
        workers.Where(w => !has(w)).Select(w => w.Worker).ToList();
}
