using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// Judges, per node type a pack was chosen for, what its source shows. Static reading can confirm a type, never refute
/// it: a registration in Python (<see cref="NodeClassScanner"/>) or JavaScript (<see cref="JsNodeScanner"/>) confirms
/// it; otherwise it is "not confirmed statically" with the reason (the name appears in a file but in no registration
/// shape we read, or nowhere: built at run time). A running ComfyUI's <c>/object_info</c> settles it after a restart.
/// </summary>
public static class NodeTypeEvidence
{
    private const string Settle = "the running ComfyUI's /object_info confirms it after a restart";

    /// <param name="folder">The pack folder.</param>
    /// <param name="types">The node types the pack was chosen for.</param>
    /// <param name="python">The names its Python registers (from the installer's scanner).</param>
    public static IReadOnlyList<NodeTypeResult> Judge(string folder, IEnumerable<string> types, IReadOnlyCollection<string> python)
    {
        var wanted = types.Distinct(StringComparer.Ordinal).ToList();
        var fromPython = new HashSet<string>(python, StringComparer.Ordinal);
        var rest = wanted.Where(t => !fromPython.Contains(t)).ToList();
        var fromJs = rest.Count == 0 ? [] : new HashSet<string>(JsNodeScanner.Scan(folder), StringComparer.Ordinal);
        var mentions = Mentions(folder, [.. rest.Where(t => !fromJs.Contains(t))]);
        return
        [
            .. wanted.Select(t =>
                fromPython.Contains(t) ? new NodeTypeResult(t, NodeTypeStates.Confirmed, "registered in the pack's Python")
                : fromJs.Contains(t)
                    ? new NodeTypeResult(t, NodeTypeStates.Confirmed, "registered by the pack's JavaScript (a frontend-only node)")
                    {
                        FrontendOnly = true,
                    }
                : mentions.TryGetValue(t, out var file)
                    ? new NodeTypeResult(
                        t,
                        NodeTypeStates.Unconfirmed,
                        $"not confirmed statically: named in {file}, but in no registration shape the static reader knows; {Settle}"
                    )
                : new NodeTypeResult(
                    t,
                    NodeTypeStates.Unconfirmed,
                    $"not confirmed statically: not named in the pack's Python or JavaScript (built at run time?); {Settle}"
                )
            ),
        ];
    }

    /// <summary>For each type: the first file (relative to the pack) that has it as a quoted string.</summary>
    private static Dictionary<string, string> Mentions(string folder, List<string> types)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (types.Count == 0)
        {
            return found;
        }

        foreach (var file in PackFiles.Enumerate(folder, ".py", ".js"))
        {
            if (PackFiles.TryRead(file) is not { } text)
            {
                continue;
            }

            foreach (var type in types.Where(t => !found.ContainsKey(t) && Quoted(text, t)))
            {
                found[type] = Path.GetRelativePath(folder, file);
            }

            if (found.Count == types.Count)
            {
                break;
            }
        }

        return found;
    }

    private static bool Quoted(string text, string type) =>
        text.Contains('"' + type + '"', StringComparison.Ordinal) || text.Contains('\'' + type + '\'', StringComparison.Ordinal);
}
