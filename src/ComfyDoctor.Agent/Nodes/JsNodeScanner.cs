using System.Text.RegularExpressions;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// Frontend-only node types a pack registers in its JavaScript: <c>LiteGraph.registerNodeType("SetNode", SetNode)</c>
/// inside an <c>app.registerExtension({ registerCustomNodes() {…} })</c> (KJNodes' Set/Get nodes). ComfyUI never lists
/// these in <c>/object_info</c>: the browser creates them. Names passed as variables are not read.
/// </summary>
public static partial class JsNodeScanner
{
    /// <summary>The node type names registered with a string literal in the pack's <c>.js</c>/<c>.mjs</c> files.</summary>
    public static IReadOnlyCollection<string> Scan(string packPath) =>
        new SortedSet<string>(
            PackFiles.Enumerate(packPath, ".js", ".mjs").Select(PackFiles.TryRead).OfType<string>().SelectMany(FromSource),
            StringComparer.Ordinal
        );

    public static IEnumerable<string> FromSource(string source) =>
        RegisterNodeType().Matches(source).Select(m => m.Groups["name"].Value).Where(n => n.Length > 0);

    [GeneratedRegex(@"\bregisterNodeType\s*\(\s*(?<q>[""'`])(?<name>(?:(?!\k<q>)[^\\\n$])+)\k<q>\s*,")]
    private static partial Regex RegisterNodeType();
}
