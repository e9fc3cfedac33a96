using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.NodeResolution;

public enum ResolutionStatus
{
    /// <summary>ComfyUI provides it.</summary>
    Core,

    /// <summary>A pack was chosen.</summary>
    Resolved,

    /// <summary>No pin, hint or catalog entry names a pack for it.</summary>
    Unresolved,
}

/// <summary>What decided the answer, strongest first.</summary>
public enum ResolutionEvidence
{
    None,

    /// <summary>The type is in the core list (or the workflow marks it <c>cnr_id: comfy-core</c>).</summary>
    CoreName,

    /// <summary>The admin pins file maps the type to a pack.</summary>
    Pin,

    /// <summary>The node's <c>properties.cnr_id</c> names the pack.</summary>
    CnrId,

    /// <summary>The node's <c>properties.aux_id</c> (<c>owner/repo</c>) names the pack.</summary>
    AuxId,

    /// <summary>A pack's <c>preemptions</c> claim the name.</summary>
    Preemption,

    /// <summary>The node map lists the name for the pack.</summary>
    ExactName,

    /// <summary>The pack's <c>nodename_pattern</c> matches the name.</summary>
    Pattern,

    /// <summary>A listed name equals the type ignoring case, spaces, <c>_</c> and <c>-</c>.</summary>
    NormalisedName,

    /// <summary>A worker's ComfyUI reported the type in <c>/object_info</c>, loaded from the pack's folder.</summary>
    ObjectInfo,

    /// <summary>The pack's JavaScript registers the type (a frontend-only node).</summary>
    WebCode,

    /// <summary>The type carries an affix that a worker's <c>/object_info</c> shows the pack generating types with.</summary>
    LearnedFamily,
}

/// <summary>The pack chosen for a node type.</summary>
/// <param name="Url">Repository URL as the catalog (or pin, or <c>aux_id</c>) writes it.</param>
/// <param name="Id">Comfy Registry id, when known.</param>
/// <param name="InCatalog">False when only a pin or an <c>aux_id</c> names the repository.</param>
public sealed record ResolvedPack(string Url, string? Id, string Title, bool InCatalog)
{
    /// <summary>The catalog's other URLs for the pack (<see cref="CatalogPack.AlternateUrls"/>).</summary>
    public IReadOnlyList<string> AlternateUrls { get; init; } = [];
}

/// <summary>A pack that could provide a node type and was not chosen.</summary>
public sealed record RunnerUp(string Url, string Title, ResolutionEvidence Evidence, bool InCatalog);

/// <summary>How one node type of one workflow was resolved.</summary>
/// <param name="Version">The version to install: the admin pin's, else the workflow's <c>ver</c> hint for the pack.</param>
/// <param name="Reason">Why, in words: the evidence and, when several packs qualified, what decided between them.</param>
/// <param name="Alternatives">The runners-up' URLs, best first; empty when the choice was unique.</param>
public sealed record NodeTypeResolution(
    string Type,
    ResolutionStatus Status,
    ResolvedPack? Pack,
    string? Version,
    ResolutionEvidence Evidence,
    string Reason,
    IReadOnlyList<string> Alternatives
)
{
    /// <summary>The rule that decided between several qualifying packs (<see cref="ChoiceRules"/>); null when none had to.</summary>
    public string? Rule { get; init; }

    /// <summary>The packs that qualified and lost, best first, each with its evidence (<see cref="Alternatives"/> are their
    /// URLs).</summary>
    public IReadOnlyList<RunnerUp> RunnersUp { get; init; } = [];

    /// <summary>The family the type's name marks (<see cref="NodeFamily"/>), when it has one.</summary>
    public string? Family { get; init; }

    /// <summary>Resolved by choosing among several qualifying packs.</summary>
    public bool WasChosen => Status == ResolutionStatus.Resolved && Alternatives.Count > 0;
}

/// <summary>The resolution of one workflow: its node types, its model references and its reading errors.</summary>
public sealed record WorkflowResolution(
    string FileName,
    IReadOnlyList<NodeTypeResolution> Nodes,
    IReadOnlyList<ModelReference> Models,
    IReadOnlyList<WorkflowError> Errors
);

public sealed record ResolutionReport(IReadOnlyList<WorkflowResolution> Workflows);
