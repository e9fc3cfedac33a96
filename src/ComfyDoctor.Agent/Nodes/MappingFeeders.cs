using System.Text;
using System.Text.RegularExpressions;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// The names of the dicts whose keys end up in <c>NODE_CLASS_MAPPINGS</c>, learned from the shapes real packs use:
/// <c>NODE_CLASS_MAPPINGS.update(MASK_CLASS_MAPPINGS)</c> (ComfyUI_essentials), <c>|= X</c>, <c>= {**A, **B}</c>,
/// <c>NODE_CLASS_MAPPINGS, NAMES = generate_node_mappings(NODE_CONFIG)</c> (KJNodes), <c>{k: v for k, v in X.items()}</c>, and
/// <c>for name, cls in X.items(): NODE_CLASS_MAPPINGS[name] = cls</c>; followed transitively (a dict that feeds a feeder).
/// Every <c>*_CLASS_MAPPINGS</c> name counts too. Reads code that <see cref="PythonSource.Code"/> cleaned.
/// </summary>
internal static partial class MappingFeeders
{
    private const int MaxNames = 400;
    private const int MaxRounds = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly HashSet<string> NotNames = new(StringComparer.Ordinal)
    {
        "and",
        "or",
        "not",
        "in",
        "is",
        "if",
        "else",
        "for",
        "lambda",
        "None",
        "True",
        "False",
        "dict",
        "list",
        "items",
        "keys",
        "values",
        "copy",
        "self",
        "cls",
    };

    /// <summary>A regex alternation (escaped) of every mapping name, for matching assignments to any of them.</summary>
    public static string Find(IReadOnlyList<string> codes)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "NODE_CLASS_MAPPINGS", "NODE_CONFIG" };
        foreach (var code in codes)
        {
            names.UnionWith(ClassMappingsName().Matches(code).Select(m => m.Value));
        }

        var frontier = names.ToList();
        for (var round = 0; round < MaxRounds && frontier.Count > 0 && names.Count < MaxNames; round++)
        {
            var alternation = string.Join("|", frontier.Select(Regex.Escape));
            var statement = new Regex(
                $@"\b(?:{alternation})\s*(?:\.update\s*\(|\|=|=(?!=))" // X.update(…), X |= …, X = …
                    + $@"|\b(?:{alternation})\s*,[\w \t,]*=(?!=)|,[ \t]*(?:{alternation})\s*=(?!=)", // X, Y = …  /  Y, X = …
                RegexOptions.None,
                Timeout
            );
            var copy = new Regex($@"\b(?:{alternation})\s*\[\s*(?<key>\w+)\s*\]\s*=(?!=)", RegexOptions.None, Timeout);
            var next = new List<string>();
            foreach (var code in codes)
            {
                var fed = statement.Matches(code).SelectMany(m => Feeds(LogicalLine(code, m.Index + m.Length)));
                var looped = ForItems()
                    .Matches(code)
                    .Where(m =>
                        copy.Match(Body(code, m.Index + m.Length)) is { Success: true } c && c.Groups["key"].Value == m.Groups["key"].Value
                    )
                    .Select(m => m.Groups["source"].Value.Split('.')[^1]);
                next.AddRange(fed.Concat(looped).Where(n => names.Count < MaxNames && names.Add(n)));
            }

            frontier = next;
        }

        return string.Join("|", names.Select(Regex.Escape)) + @"|(?i:\w*class_mappings)";
    }

    /// <summary>The names a right-hand side hands over: <c>**X</c> spreads of a dict literal, else every name that is
    /// not called (arguments, merged operands, attributes' last parts).</summary>
    private static IEnumerable<string> Feeds(string rhs)
    {
        var text = rhs.TrimStart();
        if (text.StartsWith('{'))
        {
            return Spread().Matches(text).Concat(Comprehension().Matches(text)).Select(m => m.Groups["name"].Value.Split('.')[^1]);
        }

        return Name().Matches(WithoutStrings(text)).Select(m => m.Value).Where(n => !NotNames.Contains(n));
    }

    /// <summary>From <paramref name="start"/> to the end of the logical line (brackets may span lines), or to a bracket
    /// that closes one opened before it (<c>.update(X)</c> gives <c>X</c>).</summary>
    private static string LogicalLine(string code, int start)
    {
        var limit = Math.Min(code.Length, start + 20_000);
        var end = PythonExpression.FindTopLevel(code, start, limit, c => c is '\n' or ';');
        return code[start..(end >= 0 ? end : limit)];
    }

    /// <summary>The indented lines after a <c>for … :</c> header: up to the next line that starts in column 0 (at most
    /// 2,000 characters).</summary>
    private static string Body(string code, int start)
    {
        var limit = Math.Min(code.Length, start + 2000);
        for (var i = code.IndexOf('\n', start, limit - start); i >= 0 && i + 1 < limit; i = code.IndexOf('\n', i + 1, limit - i - 1))
        {
            if (!char.IsWhiteSpace(code[i + 1]))
            {
                return code[start..(i + 1)];
            }
        }

        return code[start..limit];
    }

    private static string WithoutStrings(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '"' or '\'')
            {
                i = PythonSource.StringEnd(text, i) - 1;
                sb.Append(' ');
            }
            else
            {
                sb.Append(text[i]);
            }
        }

        return sb.ToString();
    }

    [GeneratedRegex(@"\b\w*_CLASS_MAPPINGS\b")]
    private static partial Regex ClassMappingsName();

    [GeneratedRegex(@"\*\*\s*(?<name>[A-Za-z_][\w.]*)")]
    private static partial Regex Spread();

    [GeneratedRegex(@"\bfor\b[^{}]*?\bin\s+(?<name>[A-Za-z_][\w.]*?)(?:\.(?:items|keys)\(\))?\s*(?:\bif\b|\})")]
    private static partial Regex Comprehension();

    [GeneratedRegex(@"\b[A-Za-z_]\w*\b(?!\s*\()")]
    private static partial Regex Name();

    [GeneratedRegex(@"\bfor\s+(?<key>\w+)\s*,\s*\w+\s+in\s+(?<source>[A-Za-z_][\w.]*?)\.items\(\)\s*:")]
    private static partial Regex ForItems();
}
