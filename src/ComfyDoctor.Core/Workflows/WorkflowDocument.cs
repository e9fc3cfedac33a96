namespace ComfyDoctor.Core.Workflows;

/// <summary>The two ways ComfyUI saves a workflow.</summary>
public enum WorkflowShape
{
    /// <summary>The editor's graph: <c>nodes[]</c>, <c>links[]</c>, <c>definitions.subgraphs</c>, <c>extra.groupNodes</c>.</summary>
    Ui,

    /// <summary>The prompt sent to <c>/prompt</c>: <c>{id: {class_type, inputs}}</c>.</summary>
    Api,
}

/// <summary>
/// What a workflow needs from a worker: the nodes that must exist in ComfyUI (frontend-only nodes, subgraph and group
/// node instances left out; the nodes inside subgraphs and group nodes included) and the model files it names.
/// </summary>
/// <param name="Errors">Problems that do not stop the rest of the file being read, such as a model value that names an
/// absolute path or climbs out of its folder.</param>
public sealed record WorkflowDocument(
    string FileName,
    WorkflowShape Shape,
    IReadOnlyList<WorkflowNode> Nodes,
    IReadOnlyList<ModelReference> ModelReferences,
    IReadOnlyList<WorkflowError> Errors
)
{
    /// <summary>Distinct node types, in order of first appearance.</summary>
    public IReadOnlyList<string> NodeTypes => Nodes.Select(n => n.Type).Distinct(StringComparer.Ordinal).ToList();
}

/// <summary>One node that ComfyUI must provide.</summary>
/// <param name="Id">The node's id; inside a subgraph <c>&lt;subgraph id&gt;/&lt;id&gt;</c>, inside a group node
/// <c>&lt;group name&gt;/&lt;index&gt;</c>.</param>
/// <param name="CnrId">The Comfy Registry id of the pack that provided the node when the workflow was saved
/// (<c>properties.cnr_id</c>); <c>comfy-core</c> for core nodes.</param>
/// <param name="Version">The pack's version then (<c>properties.ver</c>): a semver or a git commit hash.</param>
/// <param name="AuxId">The pack's repository as <c>owner/repo</c> (<c>properties.aux_id</c>), for packs not in the registry.</param>
/// <param name="ModelHints">The node's <c>properties.models[]</c>.</param>
public sealed record WorkflowNode(
    string Id,
    string Type,
    string? CnrId,
    string? Version,
    string? AuxId,
    IReadOnlyList<ModelHint> ModelHints
);

/// <summary>An entry of a node's <c>properties.models[]</c> as the file wrote it.</summary>
public sealed record ModelHint(string Name, string? Url, string? Hash, string? HashType, string? Directory);

/// <summary>Where in the workflow a model reference came from.</summary>
public enum ModelReferenceSource
{
    /// <summary>An API-shape input, or a UI widget stored by name.</summary>
    Input,

    /// <summary>A UI widget value stored by position.</summary>
    Widget,

    /// <summary>A node's <c>properties.models[]</c> (or the workflow's top-level <c>models[]</c>).</summary>
    Properties,
}

/// <summary>A model file the workflow loads.</summary>
/// <param name="Identity"><c>&lt;folder key&gt;/&lt;relative path&gt;</c>, as <see cref="Models.ModelIdentity"/> spells it;
/// the folder key is <c>unknown</c> when nothing says which folder the file belongs to.</param>
/// <param name="FileName">The relative path below the folder key, <c>/</c>-separated.</param>
/// <param name="Sha256">Lower-case hex, when the workflow states a SHA-256.</param>
public sealed record ModelReference(
    string Identity,
    string FolderKey,
    string FileName,
    string? Url,
    string? Sha256,
    string NodeType,
    ModelReferenceSource Source
);

/// <summary>A problem with one node that did not stop the file being read.</summary>
public sealed record WorkflowError(string NodeId, string NodeType, string Message)
{
    public override string ToString() => $"node {NodeId} ({NodeType}): {Message}";
}
