using System.Text.RegularExpressions;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// Reads a pack's <c>requirements.txt</c> before pip sees it and refuses what the policy forbids: a pin of a
/// known-compromised release, options that change where packages come from (<c>--index-url</c>, <c>--find-links</c>,
/// <c>-e</c>, …), and — unless allowed — direct references (URLs, VCS, local paths). Nested <c>-r</c>/<c>-c</c> files
/// are followed when they stay inside the pack. Ranges that could reach a denied release are left to the constraints
/// file, which excludes those releases.
/// </summary>
internal static partial class RequirementsGuard
{
    private const int MaxDepth = 5;
    private static readonly string[] HarmlessOptions = ["--pre", "--prefer-binary", "--only-binary", "--no-binary"];
    private static readonly string[] NestedFileOptions = ["-r", "--requirement", "-c", "--constraint"];
    private static readonly string[] VcsPrefixes = ["git+", "hg+", "svn+", "bzr+"];

    /// <summary>Problems found, each naming the file and line; empty when pip may go ahead.</summary>
    public static IReadOnlyList<string> Check(string requirementsFile, string packFolder, InstallPolicy policy)
    {
        var problems = new List<string>();
        var denied = policy.DeniedRequirements.Select(ParseDenied).OfType<(string Name, string Version)>().ToList();
        CheckFile(Path.GetFullPath(requirementsFile), Path.GetFullPath(packFolder), policy, denied, problems, 0);
        return problems;
    }

    /// <summary>Parses <c>name==version</c> from the deny list; null when the entry is not of that form.</summary>
    public static (string Name, string Version)? ParseDenied(string entry)
    {
        var at = entry.IndexOf("==", StringComparison.Ordinal);
        return at > 0 && at < entry.Length - 2 ? (PackageName.Normalize(entry[..at]), entry[(at + 2)..].Trim()) : null;
    }

    private static void CheckFile(
        string file,
        string pack,
        InstallPolicy policy,
        List<(string Name, string Version)> denied,
        List<string> problems,
        int depth
    )
    {
        var shown = Path.GetRelativePath(pack, file);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{shown}: cannot be read ({e.Message})");
            return;
        }

        foreach (var (number, line) in LogicalLines(lines))
        {
            var where = $"{shown} line {number}";
            if (line.Contains("${", StringComparison.Ordinal))
            {
                problems.Add($"{where}: environment variable substitution ('{line}') is not accepted");
            }
            else if (line.StartsWith('-'))
            {
                CheckOption(line, where, file, pack, policy, denied, problems, depth);
            }
            else
            {
                CheckRequirement(line, where, policy, denied, problems);
            }
        }
    }

    private static void CheckOption(
        string line,
        string where,
        string file,
        string pack,
        InstallPolicy policy,
        List<(string Name, string Version)> denied,
        List<string> problems,
        int depth
    )
    {
        var (option, argument) = SplitOption(line);
        if (HarmlessOptions.Contains(option, StringComparer.Ordinal))
        {
            return;
        }

        if (!NestedFileOptions.Contains(option, StringComparer.Ordinal))
        {
            problems.Add(
                $"{where}: the option '{option}' is not accepted in a node pack's requirements (it changes where or how packages "
                    + "are installed)"
            );
            return;
        }

        var nested = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, argument));
        if (
            argument.Length == 0
            || argument.Contains("://", StringComparison.Ordinal)
            || !nested.StartsWith(pack + Path.DirectorySeparatorChar, StringComparison.Ordinal)
        )
        {
            problems.Add($"{where}: '{line}' names a file outside the pack");
        }
        else if (depth >= MaxDepth)
        {
            problems.Add($"{where}: requirement files nested more than {MaxDepth} deep");
        }
        else
        {
            CheckFile(nested, pack, policy, denied, problems, depth + 1);
        }
    }

    private static void CheckRequirement(
        string line,
        string where,
        InstallPolicy policy,
        List<(string Name, string Version)> denied,
        List<string> problems
    )
    {
        var spec = StripPerRequirementOptions(line, where, problems);
        if (IsDirectReference(spec))
        {
            if (!policy.AllowDirectReferences)
            {
                problems.Add(
                    $"{where}: '{spec}' is a URL, VCS or local-path requirement; the policy only allows packages from the configured index"
                );
            }

            return;
        }

        var match = Requirement().Match(spec);
        if (!match.Success)
        {
            problems.Add($"{where}: '{spec}' is not a requirement pip can read safely");
            return;
        }

        var name = PackageName.Normalize(match.Groups["name"].Value);
        var specifiers = match.Groups["spec"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var (deniedName, deniedVersion) in denied.Where(d => d.Name == name))
        {
            var pinned = specifiers.Any(s => Pins(s, deniedVersion));
            if (pinned)
            {
                problems.Add($"{where}: '{spec}' pins {match.Groups["name"].Value} {deniedVersion}, a known-compromised release");
            }
        }
    }

    private static bool Pins(string specifier, string version)
    {
        var s = specifier.Replace(" ", "", StringComparison.Ordinal);
        return s.Equals("==" + version, StringComparison.OrdinalIgnoreCase)
            || s.Equals("===" + version, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsDirectReference(string spec) =>
        spec.Contains("://", StringComparison.Ordinal)
        || spec.Split(';')[0].Contains('@', StringComparison.Ordinal)
        || VcsPrefixes.Any(p => spec.StartsWith(p, StringComparison.OrdinalIgnoreCase))
        || spec.StartsWith('.')
        || spec.StartsWith('/')
        || spec.StartsWith('~')
        || spec.Contains('\\', StringComparison.Ordinal)
        || spec.EndsWith(".whl", StringComparison.OrdinalIgnoreCase)
        || spec.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)
        || spec.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase);

    private static string StripPerRequirementOptions(string line, string where, List<string> problems)
    {
        var at = line.IndexOf(" -", StringComparison.Ordinal);
        if (at < 0)
        {
            return line;
        }

        foreach (var option in line[at..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(t => t.StartsWith('-')))
        {
            if (!option.StartsWith("--hash", StringComparison.Ordinal))
            {
                problems.Add($"{where}: the per-requirement option '{option}' is not accepted");
            }
        }

        return line[..at].Trim();
    }

    private static (string Option, string Argument) SplitOption(string line)
    {
        var eq = line.IndexOf('=', StringComparison.Ordinal);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var cut = (eq, space) switch
        {
            (< 0, < 0) => line.Length,
            (< 0, _) => space,
            (_, < 0) => eq,
            _ => Math.Min(eq, space),
        };
        var option = line[..cut];
        if (cut == line.Length && option.Length > 2 && !option.StartsWith("--", StringComparison.Ordinal))
        {
            return (option[..2], option[2..].Trim()); // -rfile.txt
        }

        return (option, cut < line.Length ? line[(cut + 1)..].Trim() : "");
    }

    /// <summary>Joins backslash continuations, drops comments and blank lines; yields the first physical line's number.</summary>
    private static IEnumerable<(int Number, string Line)> LogicalLines(string[] lines)
    {
        var buffer = "";
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (buffer.Length == 0)
            {
                start = i + 1;
            }

            var text = lines[i];
            if (text.EndsWith('\\'))
            {
                buffer += text[..^1];
                continue;
            }

            var logical = Comment().Replace(buffer + text, "").Trim();
            buffer = "";
            if (logical.Length > 0)
            {
                yield return (start, logical);
            }
        }
    }

    [GeneratedRegex(@"(^|\s)#.*$")]
    private static partial Regex Comment();

    [GeneratedRegex(
        @"^(?<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[A-Za-z0-9._,\s-]*\])?\s*"
            + @"(?<spec>(?:(?:===|==|!=|~=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+\s*,?\s*)*)\s*(?:;.*)?$"
    )]
    private static partial Regex Requirement();
}
