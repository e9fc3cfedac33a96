using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// After the re-scan, a running ComfyUI (<c>--comfy-url</c>) settles what static reading could not: a node type its
/// <c>/object_info</c> lists is <see cref="NodeTypeStates.Loaded"/>. A pack put in place just now loads only after ComfyUI
/// restarts, so its other types keep their static state with that said; a pack that was already there and whose type
/// ComfyUI does not list is <see cref="NodeTypeStates.NotLoaded"/>. Frontend-only types (registered in JavaScript) are
/// never in <c>/object_info</c> and keep their evidence.
/// </summary>
public static class LiveConfirmation
{
    /// <param name="types">The install's per-type results.</param>
    /// <param name="live">What the running ComfyUI lists; null when it was not reachable or not given.</param>
    /// <param name="restartPending">The pack was installed or moved by this run (ComfyUI has not loaded it yet).</param>
    public static IReadOnlyList<NodeTypeResult> Apply(IReadOnlyList<NodeTypeResult> types, LiveComfyUi? live, bool restartPending)
    {
        if (live is null)
        {
            return types;
        }

        var listed = new HashSet<string>(live.NodeTypes, StringComparer.Ordinal);
        return
        [
            .. types.Select(t =>
                t.State == NodeTypeStates.NotInstalled ? t
                : listed.Contains(t.NodeType)
                    ? t with
                    {
                        State = NodeTypeStates.Loaded,
                        Evidence = $"listed by the running ComfyUI's /object_info ({live.Url})",
                    }
                : t.FrontendOnly ? t
                : restartPending
                    ? t with
                    {
                        Evidence = t.Evidence + $"; not in {live.Url}object_info yet: restart ComfyUI to load the pack",
                    }
                : t with
                {
                    State = NodeTypeStates.NotLoaded,
                    Evidence =
                        $"not listed by the running ComfyUI's /object_info ({live.Url}): "
                        + "its import failed, or the pack does not register it",
                }
            ),
        ];
    }
}
