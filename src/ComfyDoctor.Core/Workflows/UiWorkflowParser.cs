using System.Text.Json;

namespace ComfyDoctor.Core.Workflows;

/// <summary>
/// Reads the editor's shape: <c>nodes[]</c>, the nodes of every subgraph under <c>definitions.subgraphs</c> (nested
/// definitions too) and the inner nodes of group nodes under <c>extra.groupNodes</c>.
/// </summary>
internal static class UiWorkflowParser
{
    private const int MaxSubgraphDepth = 32;

    public static void Parse(JsonElement root, WorkflowBuilder builder)
    {
        if (root.GetProperty("nodes") is var nodes && nodes.ValueKind != JsonValueKind.Array)
        {
            throw new WorkflowFormatException(
                $"{builder.FileName}: 'nodes' is {JsonValues.Describe(nodes.ValueKind)}, expected a list of nodes"
            );
        }

        var subgraphs = new List<JsonElement>();
        CollectSubgraphs(root, subgraphs, 0);
        var subgraphIds = subgraphs.Select(s => JsonValues.String(s, "id")).OfType<string>().ToHashSet(StringComparer.Ordinal);

        ParseNodes(nodes, "", subgraphIds, builder);
        foreach (var subgraph in subgraphs)
        {
            if (JsonValues.Property(subgraph, "nodes", JsonValueKind.Array) is { } inner)
            {
                ParseNodes(inner, (JsonValues.String(subgraph, "id") ?? "subgraph") + "/", subgraphIds, builder);
            }
        }

        if (
            JsonValues.Property(root, "extra", JsonValueKind.Object) is { } extra
            && JsonValues.Property(extra, "groupNodes", JsonValueKind.Object) is { } groups
        )
        {
            foreach (var group in groups.EnumerateObject())
            {
                if (JsonValues.Property(group.Value, "nodes", JsonValueKind.Array) is { } inner)
                {
                    ParseNodes(inner, group.Name + "/", subgraphIds, builder);
                }
            }
        }

        // Newer templates also list the workflow's models at the top level.
        if (JsonValues.Property(root, "models", JsonValueKind.Array) is { } models)
        {
            foreach (var hint in ReadHints(models))
            {
                builder.AddModelHint("workflow", "workflow", hint);
            }
        }
    }

    private static void CollectSubgraphs(JsonElement owner, List<JsonElement> found, int depth)
    {
        if (
            depth >= MaxSubgraphDepth
            || JsonValues.Property(owner, "definitions", JsonValueKind.Object) is not { } definitions
            || JsonValues.Property(definitions, "subgraphs", JsonValueKind.Array) is not { } subgraphs
        )
        {
            return;
        }

        foreach (var subgraph in subgraphs.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object))
        {
            found.Add(subgraph);
            CollectSubgraphs(subgraph, found, depth + 1);
        }
    }

    private static void ParseNodes(JsonElement nodes, string idPrefix, IReadOnlySet<string> subgraphIds, WorkflowBuilder builder)
    {
        var position = 0;
        foreach (var element in nodes.EnumerateArray())
        {
            var localId = JsonValues.String(element, "id") ?? JsonValues.String(element, "index") ?? $"#{position}";
            var id = idPrefix + localId;
            position++;
            if (JsonValues.String(element, "type") is not { } type)
            {
                builder.AddError(id, "?", $"node is {JsonValues.Describe(element.ValueKind)} without a 'type'; ignored");
                continue;
            }

            if (FrontendNodeTypes.IsFrontendOnly(type, subgraphIds))
            {
                continue;
            }

            var properties = JsonValues.Property(element, "properties", JsonValueKind.Object);
            var hints = properties is { } p && JsonValues.Property(p, "models", JsonValueKind.Array) is { } models ? ReadHints(models) : [];
            var node = new WorkflowNode(
                id,
                type,
                properties is { } p1 ? JsonValues.String(p1, "cnr_id") : null,
                properties is { } p2 ? JsonValues.String(p2, "ver") : null,
                properties is { } p3 ? JsonValues.String(p3, "aux_id") : null,
                hints
            );
            builder.AddNode(node);
            foreach (var hint in hints)
            {
                builder.AddModelHint(id, type, hint);
            }

            if (element.TryGetProperty("widgets_values", out var widgets))
            {
                AddWidgets(node, widgets, builder);
            }
        }
    }

    private static void AddWidgets(WorkflowNode node, JsonElement widgets, WorkflowBuilder builder)
    {
        if (widgets.ValueKind == JsonValueKind.Object)
        {
            builder.AddValues(node, null, widgets, ModelReferenceSource.Input);
            return;
        }

        if (widgets.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var index = 0;
        foreach (var value in widgets.EnumerateArray())
        {
            builder.AddValues(node, LoaderInputs.WidgetName(node.Type, index++), value, ModelReferenceSource.Widget);
        }
    }

    private static List<ModelHint> ReadHints(JsonElement models) =>
        models
            .EnumerateArray()
            .Where(m => JsonValues.String(m, "name") is not null)
            .Select(m => new ModelHint(
                JsonValues.String(m, "name")!,
                JsonValues.String(m, "url"),
                JsonValues.String(m, "hash"),
                JsonValues.String(m, "hash_type"),
                JsonValues.String(m, "directory")
            ))
            .ToList();
}
