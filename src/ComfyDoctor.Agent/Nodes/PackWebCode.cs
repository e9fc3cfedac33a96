using System.Text.RegularExpressions;
using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// Reads the frontend-only node types that packs register in their web code (<see cref="WebCodeScanner"/>), from a
/// folder of packs: an installed <c>custom_nodes</c>, a folder of checkouts, or of bare mirrors (<c>NAME/</c> or
/// <c>owner+repo/repo</c>, read with <c>git grep</c>/<c>git show</c> at HEAD). Only the folder the pack serves to the
/// browser counts (<c>WEB_DIRECTORY</c> in <c>__init__.py</c>); files are read only inside the pack (no symlinks
/// followed), at most <see cref="MaxFileBytes"/> each. The repository is the git remote, else <c>owner+repo</c> in the
/// folder's name, else left to the catalog to find by the folder's name.
/// </summary>
public static partial class PackWebCode
{
    public const int MaxFileBytes = 4 << 20;
    private const int MaxFiles = 2_000;

    public static async Task<IReadOnlyList<KnownPackNodes>> ReadAsync(string folder, CancellationToken ct)
    {
        var found = new List<KnownPackNodes>();
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: no such folder");
        }

        foreach (var entry in new DirectoryInfo(folder).EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            var brokenLink = entry.LinkTarget is not null && !Directory.Exists(entry.FullName);
            if (entry.Name.StartsWith('.') || entry.Name == "__pycache__" || brokenLink)
            {
                continue;
            }

            var root =
                IsPack(entry.FullName) || !Directory.Exists(Path.Combine(entry.FullName, "repo"))
                    ? entry.FullName
                    : Path.Combine(entry.FullName, "repo");
            var name = entry.Name.EndsWith(".disabled", StringComparison.Ordinal) ? entry.Name[..^".disabled".Length] : entry.Name;
            if (await ReadPackAsync(root, name, ct) is { } pack)
            {
                found.Add(pack);
            }
        }

        return found;
    }

    private static async Task<KnownPackNodes?> ReadPackAsync(string root, string name, CancellationToken ct)
    {
        var bare = IsBare(root);
        var types = new List<string>();
        var where = new List<string>();
        foreach (var (path, text) in bare ? await BareFilesAsync(root, ct) : CheckoutFiles(root))
        {
            var registered = WebCodeScanner.Find(text);
            if (registered.Count > 0)
            {
                types.AddRange(registered.Where(t => !types.Contains(t, StringComparer.Ordinal)));
                where.Add(Path.Combine(root, path));
            }
        }

        if (types.Count == 0)
        {
            return null;
        }

        var remote = await GitFactsReader.QueryAsync(root, ct, "config", "--get", "remote.origin.url");
        var url = IsRepositoryUrl(remote) ? Core.Nodes.RepoUrl.Normalize(remote!) : OwnerPlusRepo(name); // never credentials
        var folderName = url is null ? name : Core.Nodes.RepoUrl.RepoName(url);
        return new KnownPackNodes(folderName, url, types, KnownNodeSource.WebCode, string.Join(", ", where));
    }

    /// <summary>A remote that names a hosted repository; a local path (a mirror cloned from a mirror) does not.</summary>
    private static bool IsRepositoryUrl(string? remote) =>
        remote is { Length: > 0 }
        && (
            remote.StartsWith("git@", StringComparison.Ordinal)
            || (Uri.TryCreate(remote, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" or "ssh" or "git")
        );

    /// <summary>The realpacks mirror convention: a folder named <c>owner+repo</c> holds github.com/owner/repo.</summary>
    private static string? OwnerPlusRepo(string name) =>
        name.Split('+') is [{ Length: > 0 } owner, { Length: > 0 } repo] && SafeName().IsMatch(owner) && SafeName().IsMatch(repo)
            ? $"https://github.com/{owner}/{repo}"
            : null;

    private static bool IsPack(string folder) =>
        File.Exists(Path.Combine(folder, "__init__.py")) || GitFactsReader.IsCheckoutTop(folder) || IsBare(folder);

    private static bool IsBare(string folder) =>
        File.Exists(Path.Combine(folder, "HEAD"))
        && Directory.Exists(Path.Combine(folder, "objects"))
        && !File.Exists(Path.Combine(folder, "__init__.py"));

    private static IEnumerable<(string Path, string Text)> CheckoutFiles(string root)
    {
        var init = Path.Combine(root, "__init__.py");
        var webDirs = WebDirectories(File.Exists(init) && new FileInfo(init).Length <= MaxFileBytes ? File.ReadAllText(init) : "");
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
        };
        foreach (var web in webDirs.Select(d => Path.GetFullPath(Path.Combine(root, d))).Where(d => Directory.Exists(d) && Inside(root, d)))
        {
            foreach (var file in Directory.EnumerateFiles(web, "*.js", options).Take(MaxFiles))
            {
                var info = new FileInfo(file);
                if (info.LinkTarget is null && info.Length <= MaxFileBytes && Inside(root, file))
                {
                    yield return (Path.GetRelativePath(root, file), File.ReadAllText(file));
                }
            }
        }
    }

    private static async Task<List<(string Path, string Text)>> BareFilesAsync(string root, CancellationToken ct)
    {
        var files = new List<(string, string)>();
        var init = await GitFactsReader.QueryAsync(root, ct, "show", "HEAD:__init__.py") ?? "";
        foreach (var web in WebDirectories(init))
        {
            var scripts = web.TrimEnd('/') + "/*.js";
            var hits = await GitFactsReader.QueryAsync(root, ct, "grep", "-l", "-I", "registerNodeType", "HEAD", "--", scripts);
            foreach (var hit in (hits ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(MaxFiles))
            {
                var path = hit.StartsWith("HEAD:", StringComparison.Ordinal) ? hit["HEAD:".Length..] : hit;
                if (await GitFactsReader.QueryAsync(root, ct, "show", "HEAD:" + path) is { Length: <= MaxFileBytes } text)
                {
                    files.Add((path, text));
                }
            }
        }

        return files;
    }

    /// <summary>The pack's <c>WEB_DIRECTORY</c> (relative, inside the pack), or <c>web</c> and <c>js</c> when it is set in a
    /// way a text search cannot read; none when the pack serves no web code.</summary>
    private static List<string> WebDirectories(string initPy)
    {
        if (WebDirectory().Match(initPy) is { Success: true } match)
        {
            var dir = match.Groups["dir"].Value.Replace('\\', '/').TrimStart('.', '/');
            return dir.Length == 0 || dir.Split('/').Any(p => p == "..") || Path.IsPathRooted(dir) ? [] : [dir];
        }

        return initPy.Contains("WEB_DIRECTORY", StringComparison.Ordinal) ? ["web", "js"] : [];
    }

    private static bool Inside(string root, string path)
    {
        var full = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return Path.GetFullPath(path).StartsWith(full, StringComparison.Ordinal);
    }

    [GeneratedRegex(
        @"^\s*WEB_DIRECTORY\s*=\s*(['""])(?<dir>[^'""\r\n]{1,200})\1",
        RegexOptions.Multiline | RegexOptions.CultureInvariant,
        1000
    )]
    private static partial Regex WebDirectory();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeName();
}
