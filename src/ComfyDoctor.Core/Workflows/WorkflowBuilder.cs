using System.Text.Json;

namespace ComfyDoctor.Core.Workflows;

/// <summary>Collects the nodes, model references and errors of one file while a parser walks it.</summary>
internal sealed class WorkflowBuilder(string fileName)
{
    private const int MaxValueDepth = 16;

    private readonly List<WorkflowNode> nodes = [];
    private readonly ModelReferenceCollector models = new();

    public string FileName { get; } = fileName;

    public void AddNode(WorkflowNode node) => nodes.Add(node);

    public void AddError(string nodeId, string nodeType, string message) => models.Errors.Add(new WorkflowError(nodeId, nodeType, message));

    public void AddModelHint(string nodeId, string nodeType, ModelHint hint) => models.AddHint(nodeId, nodeType, hint);

    /// <summary>Looks for model files in a value: strings directly, lists and objects recursively (object keys act as input
    /// names).</summary>
    public void AddValues(WorkflowNode node, string? inputName, JsonElement value, ModelReferenceSource source, int depth = 0)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                models.AddValue(node.Id, node.Type, inputName, value.GetString()!, node.ModelHints, source);
                break;
            case JsonValueKind.Array when depth < MaxValueDepth:
                foreach (var item in value.EnumerateArray())
                {
                    AddValues(node, inputName, item, source, depth + 1);
                }

                break;
            case JsonValueKind.Object when depth < MaxValueDepth:
                foreach (var property in value.EnumerateObject())
                {
                    AddValues(node, property.Name, property.Value, source, depth + 1);
                }

                break;
        }
    }

    public WorkflowDocument Build(WorkflowShape shape) => new(FileName, shape, nodes, models.References, models.Errors);
}
