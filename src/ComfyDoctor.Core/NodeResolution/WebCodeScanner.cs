using System.Text.RegularExpressions;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// Finds the node types a pack's JavaScript registers in the browser, the frontend-only (virtual) nodes that no Python
/// mapping and no node map lists: <c>LiteGraph.registerNodeType("SetNode", …)</c>, usually inside
/// <c>app.registerExtension({ registerCustomNodes() { … } })</c>. The type is a string literal, or <c>X.type</c> where the
/// class declares <c>static type = "…"</c> or the code assigns <c>X.type = "…"</c>. Text only: nothing is run.
/// </summary>
public static partial class WebCodeScanner
{
    public static IReadOnlyList<string> Find(string javaScript)
    {
        var code = LineComment().Replace(BlockComment().Replace(javaScript, " "), "");
        var found = new List<string>();
        foreach (Match call in Registration().Matches(code))
        {
            var name = call.Groups["literal"].Success ? call.Groups["literal"].Value : TypeOf(code, call.Groups["class"].Value);
            if (name is { Length: > 0 } && !found.Contains(name, StringComparer.Ordinal))
            {
                found.Add(name);
            }
        }

        return found;
    }

    private static string? TypeOf(string code, string className)
    {
        var escaped = Regex.Escape(className);
        var assigned = Regex.Match(
            code,
            $@"\b{escaped}\.type\s*=\s*(['""`])(?<v>[^'""`\r\n]{{1,200}})\1",
            RegexOptions.None,
            TimeSpan.FromSeconds(1)
        );
        if (assigned.Success)
        {
            return assigned.Groups["v"].Value;
        }

        var declaration = Regex.Match(code, $@"\bclass\s+{escaped}\b", RegexOptions.None, TimeSpan.FromSeconds(1));
        if (!declaration.Success)
        {
            return null;
        }

        var body = code.Substring(declaration.Index, Math.Min(20_000, code.Length - declaration.Index));
        var field = StaticType().Match(body);
        return field.Success ? field.Groups["v"].Value : null;
    }

    [GeneratedRegex(
        @"registerNodeType\s*\(\s*(?:(['""`])(?<literal>[^'""`\\\r\n]{1,200})\1|(?<class>[A-Za-z_$][\w$]*)\.type\b)",
        RegexOptions.CultureInvariant,
        1000
    )]
    private static partial Regex Registration();

    [GeneratedRegex(@"\bstatic\s+type\s*=\s*(['""`])(?<v>[^'""`\r\n]{1,200})\1", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex StaticType();

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"^\s*//.*$", RegexOptions.Multiline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex LineComment();
}
