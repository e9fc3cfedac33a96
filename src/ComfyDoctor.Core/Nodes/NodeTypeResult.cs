namespace ComfyDoctor.Core.Nodes;

/// <summary>
/// What became of one node type a pack was installed for (issue 15 §6: install results carry the node types as data,
/// JSON <c>nodeTypes: [{nodeType, state, evidence}]</c>). Shared by the CLI's install results and the agent's
/// <see cref="Protocol.ActionResult"/>, so the server and the dashboard show the same per-node outcome.
/// </summary>
/// <param name="NodeType">The node type name, as workflows write it.</param>
/// <param name="State">One of <see cref="NodeTypeStates"/>.</param>
/// <param name="Evidence">Why: where the registration was found, or why it could not be confirmed.</param>
public sealed record NodeTypeResult(string NodeType, string State, string Evidence)
{
    /// <summary>Green when confirmed or loaded; yellow when installed but not confirmed; red when not installed or not loaded.</summary>
    public bool IsConfirmed => State is NodeTypeStates.Confirmed or NodeTypeStates.Loaded;

    /// <summary>Registered by the pack's JavaScript: ComfyUI's <c>/object_info</c> never lists it (the browser makes it).</summary>
    public bool FrontendOnly { get; init; }
}

/// <summary>The states of a <see cref="NodeTypeResult"/>.</summary>
public static class NodeTypeStates
{
    /// <summary>The pack's source registers it in a shape the static reader knows (green).</summary>
    public const string Confirmed = "confirmed";

    /// <summary>Installed, but static reading found no registration ("not confirmed statically", yellow): names built
    /// at run time cannot be read without running the pack. A running ComfyUI's <c>/object_info</c> settles it.</summary>
    public const string Unconfirmed = "unconfirmed";

    /// <summary>The running ComfyUI lists it in <c>/object_info</c> (green: the final proof).</summary>
    public const string Loaded = "loaded";

    /// <summary>The running ComfyUI does not list it: not restarted since the install, or the pack's import failed.</summary>
    public const string NotLoaded = "not-loaded";

    /// <summary>The pack was not installed (refused, or its install failed and was rolled back).</summary>
    public const string NotInstalled = "not-installed";
}
