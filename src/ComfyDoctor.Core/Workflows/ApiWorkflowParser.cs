using System.Text.Json;

namespace ComfyDoctor.Core.Workflows;

/// <summary>Reads the API shape, <c>{"3": {"class_type": "KSampler", "inputs": {...}, "_meta": {...}}, ...}</c>.</summary>
internal static class ApiWorkflowParser
{
    public static bool Looks(JsonElement root) => root.EnumerateObject().Any(p => JsonValues.String(p.Value, "class_type") is not null);

    public static void Parse(JsonElement root, WorkflowBuilder builder)
    {
        foreach (var entry in root.EnumerateObject())
        {
            if (JsonValues.String(entry.Value, "class_type") is not { } type)
            {
                builder.AddError(entry.Name, "?", $"entry is {JsonValues.Describe(entry.Value.ValueKind)} without a 'class_type'; ignored");
                continue;
            }

            var node = new WorkflowNode(entry.Name, type, null, null, null, []);
            if (FrontendNodeTypes.Virtual.Contains(type))
            {
                continue;
            }

            builder.AddNode(node);
            if (JsonValues.Property(entry.Value, "inputs", JsonValueKind.Object) is { } inputs)
            {
                foreach (var input in inputs.EnumerateObject())
                {
                    // [node id, output slot] is a link to another node, not a value.
                    if (input.Value.ValueKind == JsonValueKind.String)
                    {
                        builder.AddValues(node, input.Name, input.Value, ModelReferenceSource.Input);
                    }
                }
            }
        }
    }
}
