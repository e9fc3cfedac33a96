using System.Text.RegularExpressions;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// Finds, without running Python, the node type names a pack registers: the top-level string keys of
/// <c>NODE_CLASS_MAPPINGS = {…}</c> (also <c>X_NODE_CLASS_MAPPINGS</c> parts merged into it, <c>|= {…}</c> and
/// <c>.update({…})</c>), <c>NODE_CLASS_MAPPINGS["Name"] = …</c>, and V3 schemas' <c>node_id="Name"</c>. Comments and
/// docstrings do not count. Bounded: at most 5,000 files, none over 2 MB; <c>.git</c>, virtual environments,
/// <c>node_modules</c> and symlinked folders are not entered.
/// </summary>
public static partial class NodeClassScanner
{
    private const long MaxFileBytes = 2 << 20;
    private const int MaxFiles = 5000;
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { ".git", "venv", ".venv", "node_modules", "__pycache__", "site-packages" };

    /// <summary>Node names of a pack folder or a single-file pack, sorted (ordinal) and distinct.</summary>
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

    /// <summary>Node names registered in one Python source text (may repeat).</summary>
    public static IEnumerable<string> FromSource(string source)
    {
        var code = PythonSource.Code(source);
        var names = new List<string>();
        foreach (Match block in MappingBlock().Matches(code))
        {
            names.AddRange(TopLevelKeys(code, block.Index + block.Length - 1));
        }

        names.AddRange(ItemAssignment().Matches(code).Select(m => m.Groups["name"].Value));
        names.AddRange(NodeId().Matches(code).Select(m => m.Groups["name"].Value));
        return names.Where(n => n.Length > 0);
    }

    /// <summary>The string keys directly inside the dict literal whose <c>{</c> is at <paramref name="open"/>.</summary>
    private static List<string> TopLevelKeys(string code, int open)
    {
        var keys = new List<string>();
        var depth = 0;
        var expectKey = false;
        for (var i = open; i < code.Length; i++)
        {
            var c = code[i];
            if (c is '"' or '\'')
            {
                var end = PythonSource.StringEnd(code, i);
                var after = end;
                while (after < code.Length && char.IsWhiteSpace(code[after]))
                {
                    after++;
                }

                if (depth == 1 && expectKey && after < code.Length && code[after] == ':')
                {
                    keys.Add(PythonSource.Content(code, i, end));
                }

                expectKey = false;
                i = end - 1;
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
            else if (!char.IsWhiteSpace(c))
            {
                expectKey = false;
            }
        }

        return keys;
    }

    private static IEnumerable<string> PythonFiles(string packPath)
    {
        if (File.Exists(packPath))
        {
            return packPath.EndsWith(".py", StringComparison.Ordinal) || packPath.EndsWith(".py.disabled", StringComparison.Ordinal) ? [packPath] : [];
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

    // `NODE_CLASS_MAPPINGS = {`, `NODE_CLASS_MAPPINGS: dict[str, type] = {`, `|= {`, `.update({`; also `IMAGE_NODE_CLASS_MAPPINGS = {`.
    [GeneratedRegex(@"\b(?:\w+_)?NODE_CLASS_MAPPINGS\s*(?::[^=\n]+)?(?:=(?!=)|\|=|\.update\s*\(\s*)\s*\{")]
    private static partial Regex MappingBlock();

    [GeneratedRegex(@"\b(?:\w+_)?NODE_CLASS_MAPPINGS\s*\[\s*(?<q>[""'])(?<name>(?:(?!\k<q>)[^\\\n])+)\k<q>\s*\]\s*=(?!=)")]
    private static partial Regex ItemAssignment();

    [GeneratedRegex(@"\bnode_id\s*=\s*(?<q>[""'])(?<name>(?:(?!\k<q>)[^\\\n])+)\k<q>")]
    private static partial Regex NodeId();
}
