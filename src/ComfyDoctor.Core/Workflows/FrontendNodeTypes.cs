namespace ComfyDoctor.Core.Workflows;

/// <summary>
/// Node types that live only in the ComfyUI editor and never reach the server, so no pack provides them:
/// the frontend's own virtual nodes (<c>Note</c>, <c>MarkdownNote</c>, <c>Reroute</c>, <c>PrimitiveNode</c>),
/// group node instances (<c>workflow&gt;Name</c>, formerly <c>workflow/Name</c>) and subgraph instances, whose type is
/// the id of a subgraph defined in the same file.
/// </summary>
public static class FrontendNodeTypes
{
    /// <summary>Virtual node types registered by ComfyUI_frontend itself (<c>src/extensions/core</c>).</summary>
    public static IReadOnlySet<string> Virtual { get; } =
        new HashSet<string>(StringComparer.Ordinal) { "Note", "MarkdownNote", "Reroute", "PrimitiveNode" };

    public static bool IsGroupNodeInstance(string type) =>
        type.StartsWith("workflow>", StringComparison.Ordinal) || type.StartsWith("workflow/", StringComparison.Ordinal);

    /// <summary>True for types that are not requirements of the server.</summary>
    public static bool IsFrontendOnly(string type, IReadOnlySet<string> subgraphIds) =>
        Virtual.Contains(type) || IsGroupNodeInstance(type) || subgraphIds.Contains(type);
}
