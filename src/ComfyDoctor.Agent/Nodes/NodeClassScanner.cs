using System.Text.RegularExpressions;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// Finds, without running Python, the node type names a pack registers: the keys of <c>NODE_CLASS_MAPPINGS = {…}</c>
/// dict literals, <c>NODE_CLASS_MAPPINGS["Name"] = …</c>, <c>NODE_CLASS_MAPPINGS.update({…})</c>, and V3 schemas'
/// <c>node_id="Name"</c>. Bounded: files over 2 MB, <c>.git</c> and virtual environments are skipped.
/// </summary>
public static partial class NodeClassScanner
{
    private const long MaxFileBytes = 2 << 20;
    private const int MaxFiles = 5000;
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { ".git", "venv", ".venv", "node_modules", "__pycache__", "site-packages" };

    /// <summary>Node names of a pack folder or a single-file pack, sorted and distinct.</summary>
    public static IReadOnlyCollection<string> Scan(string packPath)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in PythonFiles(packPath))
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            names.UnionWith(FromSource(text));
        }

        return names;
    }

    /// <summary>Node names registered in one Python source text.</summary>
    public static IEnumerable<string> FromSource(string source)
    {
        var code = WithoutComments(source);
        foreach (Match block in MappingBlock().Matches(code))
        {
            foreach (Match key in DictKey().Matches(BalancedBraces(code, block.Index + block.Length - 1)))
            {
                yield return key.Groups["name"].Value;
            }
        }

        foreach (Match item in ItemAssignment().Matches(code))
        {
            yield return item.Groups["name"].Value;
        }

        foreach (Match id in NodeId().Matches(code))
        {
            yield return id.Groups["name"].Value;
        }
    }

    private static IEnumerable<string> PythonFiles(string packPath)
    {
        if (File.Exists(packPath))
        {
            return packPath.EndsWith(".py", StringComparison.Ordinal) ? [packPath] : [];
        }

        var files = new List<string>();
        var pending = new Stack<string>([packPath]);
        while (pending.Count > 0 && files.Count < MaxFiles)
        {
            var dir = pending.Pop();
            try
            {
                foreach (var sub in Directory.EnumerateDirectories(dir))
                {
                    if (!SkippedFolders.Contains(Path.GetFileName(sub)) && new DirectoryInfo(sub).LinkTarget is null)
                    {
                        pending.Push(sub);
                    }
                }

                files.AddRange(Directory.EnumerateFiles(dir, "*.py").Where(f => new FileInfo(f).Length <= MaxFileBytes));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // unreadable folder: skip it
            }
        }

        return files.Take(MaxFiles);
    }

    /// <summary>The text of a <c>{…}</c> starting at <paramref name="open"/>, matching nested braces, ignoring strings.</summary>
    private static string BalancedBraces(string code, int open)
    {
        var depth = 0;
        char? quote = null;
        for (var i = open; i < code.Length; i++)
        {
            var c = code[i];
            if (quote is not null)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && --depth == 0)
            {
                return code[open..(i + 1)];
            }
        }

        return code[open..];
    }

    /// <summary>Drops <c># …</c> comments outside strings, so commented-out registrations do not count.</summary>
    private static string WithoutComments(string source) => Comment().Replace(source, m => m.Groups["keep"].Value);

    [GeneratedRegex(@"NODE_CLASS_MAPPINGS\s*(?::\s*[^=\n]+)?(?:=|\.update\s*\(\s*)\s*\{")]
    private static partial Regex MappingBlock();

    // A key at the top level of the dict: after '{' or ',' (possibly on a new line), a string, then ':'.
    [GeneratedRegex(@"(?:^\{|,)\s*(?<q>[""'])(?<name>(?:(?!\k<q>).)+)\k<q>\s*:", RegexOptions.Singleline)]
    private static partial Regex DictKey();

    [GeneratedRegex(@"NODE_CLASS_MAPPINGS\s*\[\s*(?<q>[""'])(?<name>(?:(?!\k<q>).)+)\k<q>\s*\]\s*=(?!=)")]
    private static partial Regex ItemAssignment();

    [GeneratedRegex(@"\bnode_id\s*=\s*(?<q>[""'])(?<name>(?:(?!\k<q>).)+)\k<q>")]
    private static partial Regex NodeId();

    [GeneratedRegex(@"(?<keep>""(?:[^""\\\n]|\\.)*""|'(?:[^'\\\n]|\\.)*')|#[^\n]*")]
    private static partial Regex Comment();
}
