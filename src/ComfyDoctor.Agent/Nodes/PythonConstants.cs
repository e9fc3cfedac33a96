using System.Text;
using System.Text.RegularExpressions;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// The string constants of a pack and a small evaluator for the expressions real packs build node names with, so keys
/// written as names can be read: <c>RgthreeSeed.NAME</c> where the class says <c>NAME = get_name("Seed")</c> and
/// <c>get_name</c> returns <c>'{} ({})'.format(name, NAMESPACE)</c> (rgthree), or <c>CLASSES.CTEXT_NAME.value</c> of
/// an enum (Crystools). Understood: string literals (f-strings with plain names), <c>+</c>, <c>'…'.format(…)</c>, names
/// assigned one value in the pack, class attributes, and calls of helpers whose body is one <c>return</c>. Anything
/// else is unknown (null): the evaluator never guesses.
/// </summary>
internal sealed partial class PythonConstants
{
    private const int MaxDepth = 8;
    private static readonly IReadOnlyDictionary<string, string> NoLocals = new Dictionary<string, string>();
    private readonly Dictionary<string, HashSet<string>> _names = new(StringComparer.Ordinal);
    private readonly List<Dictionary<string, HashSet<string>>> _fileNames = [];
    private readonly Dictionary<string, (string Value, int File)> _attributes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<(string Params, string Body)>> _helpers = new(StringComparer.Ordinal);

    /// <param name="codes">The pack's Python files, cleaned by <see cref="PythonSource.Code"/>.</param>
    public PythonConstants(IEnumerable<string> codes)
    {
        foreach (var code in codes)
        {
            _fileNames.Add(new Dictionary<string, HashSet<string>>(StringComparer.Ordinal));
            Read(code.Split('\n'), _fileNames[^1]);
        }
    }

    /// <summary>The string an expression evaluates to, or null when it cannot be known statically.</summary>
    public string? Evaluate(string expression) => Eval(expression.Trim(), NoLocals, -1, 0);

    private void Read(string[] lines, Dictionary<string, HashSet<string>> fileNames)
    {
        (string Name, int Indent)? inClass = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].TrimStart();
            var indent = lines[i].Length - text.Length;
            if (text.Length == 0)
            {
                continue;
            }

            if (inClass is { } open && indent <= open.Indent)
            {
                inClass = null;
            }

            if (ClassHeader().Match(text) is { Success: true } header)
            {
                inClass = (header.Groups["name"].Value, indent);
            }
            else if (DefHeader().Match(text) is { Success: true } def)
            {
                var body = def.Groups["inline"].Value.Trim();
                body = body.Length > 0 ? body : lines.Skip(i + 1).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
                if (body.StartsWith("return ", StringComparison.Ordinal))
                {
                    Add(_helpers, def.Groups["name"].Value, (def.Groups["params"].Value, body["return ".Length..].Trim()));
                }
            }
            else if (Assignment().Match(text) is { Success: true } assignment)
            {
                var name = assignment.Groups["name"].Value;
                var value = assignment.Groups["value"].Value.Trim();
                if (inClass is { } owner)
                {
                    _attributes.TryAdd($"{owner.Name}.{name}", (value, _fileNames.Count - 1));
                }

                Add(_names, name, value);
                Add(fileNames, name, value);
            }
        }
    }

    private string? Eval(string e, IReadOnlyDictionary<string, string> locals, int file, int depth)
    {
        if (depth > MaxDepth || e.Length == 0)
        {
            return null;
        }

        var sum = PythonExpression.SplitTopLevel(e, '+');
        if (sum.Count > 1)
        {
            var parts = sum.Select(p => Eval(p.Trim(), locals, file, depth + 1)).ToList();
            return parts.Any(p => p is null) ? null : string.Concat(parts);
        }

        if (PythonExpression.Literal(e) is { } literal)
        {
            var rest = e[literal.End..].Trim();
            if (rest.Length == 0)
            {
                return literal.Formatted ? Interpolate(literal.Text, locals, file, depth) : literal.Text;
            }

            return FormatCall().Match(rest) is { Success: true } format
                ? Format(literal.Text, PythonExpression.SplitTopLevel(format.Groups["args"].Value, ','), locals, file, depth)
                : null;
        }

        if (Call().Match(e) is { Success: true } call)
        {
            var args = PythonExpression.SplitTopLevel(call.Groups["args"].Value, ',');
            return Invoke(call.Groups["name"].Value.Split('.')[^1], args, locals, file, depth);
        }

        return Dotted().IsMatch(e) ? Lookup(e, locals, file, depth) : null;
    }

    private string? Lookup(string dotted, IReadOnlyDictionary<string, string> locals, int file, int depth)
    {
        if (locals.TryGetValue(dotted, out var local))
        {
            return local;
        }

        var parts = dotted.Split('.').ToList();
        if (parts.Count > 1 && parts[^1] == "value")
        {
            parts.RemoveAt(parts.Count - 1); // an enum member's value
        }

        if (parts.Count > 1 && _attributes.TryGetValue($"{parts[^2]}.{parts[^1]}", out var attribute))
        {
            return Eval(attribute.Value, NoLocals, attribute.File, depth + 1);
        }

        // A name the file being read assigns once is that file's (rgthree: NODE_NAME in each module); else the pack's.
        if (file >= 0 && _fileNames[file].TryGetValue(parts[^1], out var own) && own.Count == 1)
        {
            return Eval(own.First(), NoLocals, file, depth + 1);
        }

        if (!_names.TryGetValue(parts[^1], out var values))
        {
            return null;
        }

        var results = values.Select(v => Eval(v, NoLocals, -1, depth + 1)).Distinct().ToList();
        return results.Count == 1 ? results[0] : null; // assigned different values: unknown
    }

    private string? Invoke(string name, List<string> args, IReadOnlyDictionary<string, string> locals, int file, int depth)
    {
        if (!_helpers.TryGetValue(name, out var helpers) || helpers.Count != 1)
        {
            return null;
        }

        var (parameters, body) = helpers.First();
        var bound = new Dictionary<string, string>(StringComparer.Ordinal);
        var declared = PythonExpression
            .SplitTopLevel(parameters, ',')
            .Select(p => p.Trim())
            .Where(p => p.Length > 0 && p != "self")
            .ToList();
        for (var i = 0; i < declared.Count; i++)
        {
            var parameter = declared[i].Split('=', 2);
            var paramName = parameter[0].Split(':')[0].Trim();
            var argument =
                i < args.Count && args[i].Trim().Length > 0 ? args[i].Trim()
                : parameter.Length == 2 ? parameter[1].Trim()
                : null;
            if (argument is null || Eval(argument, locals, file, depth + 1) is not { } value)
            {
                return null;
            }

            bound[paramName] = value;
        }

        return Eval(body, bound, file, depth + 1);
    }

    private string? Format(string template, List<string> args, IReadOnlyDictionary<string, string> locals, int file, int depth)
    {
        var values = args.Select(a => Eval(a.Trim(), locals, file, depth + 1)).ToList();
        if (values.Any(v => v is null))
        {
            return null;
        }

        var next = 0;
        return Fields(template, field => field.Length == 0 ? (next < values.Count ? values[next++] : null)
            : int.TryParse(field, out var index) && index < values.Count ? values[index]
            : null);
    }

    private string? Interpolate(string template, IReadOnlyDictionary<string, string> locals, int file, int depth) =>
        Fields(template, field => Eval(field, locals, file, depth + 1));

    /// <summary>Replaces each <c>{field}</c> (<c>{{</c>, <c>}}</c> are braces); null when a field has no value.</summary>
    private static string? Fields(string template, Func<string, string?> value)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                sb.Append(c);
                i++;
            }
            else if (c == '{')
            {
                var close = template.IndexOf('}', i);
                if (close < 0 || value(template[(i + 1)..close].Trim()) is not { } v)
                {
                    return null;
                }

                sb.Append(v);
                i = close;
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static void Add<T>(Dictionary<string, HashSet<T>> map, string key, T value)
    {
        if (!map.TryGetValue(key, out var set))
        {
            map[key] = set = [];
        }

        set.Add(value);
    }

    [GeneratedRegex(@"^class\s+(?<name>[A-Za-z_]\w*)\b[^\n]*:\s*$")]
    private static partial Regex ClassHeader();

    [GeneratedRegex(@"^(?:async\s+)?def\s+(?<name>[A-Za-z_]\w*)\s*\((?<params>[^)]*)\)\s*(?:->[^:]+)?:(?<inline>.*)$")]
    private static partial Regex DefHeader();

    [GeneratedRegex(@"^(?<name>[A-Za-z_]\w*)\s*(?::[^=\n]+)?=(?!=)(?<value>.+)$")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"^\.format\((?<args>.*)\)$")]
    private static partial Regex FormatCall();

    [GeneratedRegex(@"^(?<name>[A-Za-z_][\w.]*)\((?<args>.*)\)$")]
    private static partial Regex Call();

    [GeneratedRegex(@"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")]
    private static partial Regex Dotted();
}
