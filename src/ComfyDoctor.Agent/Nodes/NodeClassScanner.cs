using System.Text.RegularExpressions;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// Finds, without running Python, the node type names a pack registers: the top-level keys of the dict literals that
/// feed <c>NODE_CLASS_MAPPINGS</c> — assigned to it, merged into it (<c>|=</c>, <c>.update(…)</c>, <c>**X</c>), handed
/// to a helper that builds it (KJNodes' <c>NODE_CONFIG</c>), or copied into it in a loop — in any file of the pack
/// (<see cref="MappingFeeders"/>); <c>X_CLASS_MAPPINGS = {…}</c> parts; <c>NODE_CLASS_MAPPINGS["Name"] = …</c>; V3
/// schemas' <c>node_id=…</c>. Keys written as names (<c>RgthreeSeed.NAME</c>, <c>CLASSES.X_NAME.value</c>) are
/// evaluated through the pack's string constants and one-line helpers (<see cref="PythonConstants"/>). Comments and
/// docstrings do not count. Static reading confirms a type; it never proves one absent (names built at run time).
/// </summary>
public static partial class NodeClassScanner
{
    /// <summary>Node names of a pack folder or a single-file pack, sorted (ordinal) and distinct.</summary>
    public static IReadOnlyCollection<string> Scan(string packPath) =>
        new SortedSet<string>(
            FromSources(PackFiles.Enumerate(packPath, ".py").Select(PackFiles.TryRead).OfType<string>()),
            StringComparer.Ordinal
        );

    /// <summary>Node names registered in one Python source text (may repeat).</summary>
    public static IEnumerable<string> FromSource(string source) => FromSources([source]);

    /// <summary>Node names registered by the files of one pack, read together (a mapping may be built in one file and
    /// merged in another).</summary>
    public static IEnumerable<string> FromSources(IEnumerable<string> sources)
    {
        var codes = sources.Select(PythonSource.Code).ToList();
        var constants = new PythonConstants(codes);
        var targets = MappingFeeders.Find(codes);
        var block = new Regex(
            @"\b(?:" + targets + @")\s*(?::[^=\n]+)?(?:=(?!=)|\|=|\.update\s*\(\s*)\s*\{",
            RegexOptions.None,
            TimeSpan.FromSeconds(5)
        );
        var item = new Regex(
            @"\b(?:" + targets + @")\s*\[\s*(?<q>[""'])(?<name>(?:(?!\k<q>)[^\\\n])+)\k<q>\s*\]\s*=(?!=)",
            RegexOptions.None,
            TimeSpan.FromSeconds(5)
        );
        var names = new List<string>();
        foreach (var code in codes)
        {
            foreach (Match m in block.Matches(code))
            {
                names.AddRange(TopLevelKeys(code, m.Index + m.Length - 1, constants));
            }

            names.AddRange(item.Matches(code).Select(m => m.Groups["name"].Value));
            foreach (Match m in NodeId().Matches(code))
            {
                var id = m.Groups["name"].Success ? m.Groups["name"].Value : constants.Evaluate(m.Groups["expr"].Value);
                names.AddRange(id is null ? [] : [id]);
            }
        }

        return names.Where(n => n.Length > 0);
    }

    /// <summary>The keys directly inside the dict literal whose <c>{</c> is at <paramref name="open"/>: string literals, and
    /// expressions the pack's constants evaluate (<c>Cls.NAME</c>, <c>get_name("Seed")</c>, <c>"X" + SUFFIX</c>).</summary>
    private static List<string> TopLevelKeys(string code, int open, PythonConstants constants)
    {
        var keys = new List<string>();
        var depth = 0;
        var expectKey = false;
        for (var i = open; i < code.Length; i++)
        {
            var c = code[i];
            if (depth == 1 && expectKey && !char.IsWhiteSpace(c))
            {
                expectKey = false;
                if (KeyEnd(code, i) is var colon and > 0)
                {
                    if (constants.Evaluate(code[i..colon]) is { } key)
                    {
                        keys.Add(key);
                    }

                    i = colon;
                    continue;
                }
            }

            if (c is '"' or '\'')
            {
                i = PythonSource.StringEnd(code, i) - 1;
            }
            else if (c is '{' or '[' or '(')
            {
                depth++;
                expectKey = depth == 1;
            }
            else if (c is '}' or ']' or ')')
            {
                if (--depth == 0)
                {
                    break;
                }
            }
            else if (c == ',')
            {
                expectKey = depth == 1;
            }
        }

        return keys;
    }

    /// <summary>The <c>:</c> that ends a dict key starting at <paramref name="start"/>, or -1 when the entry is not
    /// <c>key: value</c> (a <c>**spread</c>, the end of the dict).</summary>
    private static int KeyEnd(string code, int start)
    {
        var at = PythonExpression.FindTopLevel(code, start, Math.Min(code.Length, start + 1000), c => c is ':' or ',');
        return at >= 0 && code[at] == ':' ? at : -1;
    }

    [GeneratedRegex(@"\bnode_id\s*=\s*(?:(?<q>[""'])(?<name>(?:(?!\k<q>)[^\\\n])+)\k<q>|(?<expr>[A-Za-z_][\w.]*)\s*[,)])")]
    private static partial Regex NodeId();
}
