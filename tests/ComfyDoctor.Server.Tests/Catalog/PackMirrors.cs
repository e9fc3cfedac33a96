using ComfyDoctor.Agent.Processes;

namespace ComfyDoctor.Server.Tests.Catalog;

/// <summary>
/// Local git repositories standing in for the catalog's GitHub URLs: <c>ROOT/owner/repo</c>, each a real repository whose
/// <c>__init__.py</c> registers the given node types in <c>NODE_CLASS_MAPPINGS</c>, with one commit per release, each
/// tagged <c>vX.Y.Z</c> (the last is the default branch's head). Agents reach them through a git mirror rewrite of
/// <c>https://github.com/</c>.
/// </summary>
internal sealed class PackMirrors(string root)
{
    public const string GitHub = "https://github.com/";

    public string Root { get; } = root;

    /// <summary><c>https://github.com/</c> rewritten to this folder, as an agent's <c>--git-mirror</c>.</summary>
    public string MirrorUri => new Uri(Path.GetFullPath(Root) + "/").AbsoluteUri;

    /// <summary>Creates <c>owner/repo</c> with one tagged commit per version; returns each version's commit.</summary>
    public async Task<Dictionary<string, string>> CreateAsync(string url, IReadOnlyList<string> nodeTypes, params string[] versions)
    {
        var folder = Path.Combine(Root, url[GitHub.Length..]);
        Directory.CreateDirectory(folder);
        await GitAsync(folder, "init", "-q", "-b", "main");
        var commits = new Dictionary<string, string>();
        foreach (var version in versions)
        {
            var classes = string.Concat(nodeTypes.Select(t => $"class {t}:\n    VERSION = \"{version}\"\n\n\n"));
            var mapping = string.Join(", ", nodeTypes.Select(t => $"\"{t}\": {t}"));
            await File.WriteAllTextAsync(Path.Combine(folder, "__init__.py"), $"{classes}NODE_CLASS_MAPPINGS = {{{mapping}}}\n");
            await File.WriteAllTextAsync(
                Path.Combine(folder, "pyproject.toml"),
                $"[project]\nname = \"{Path.GetFileName(folder).ToLowerInvariant()}\"\nversion = \"{version}\"\n"
            );
            await GitAsync(folder, "add", "-A");
            await GitAsync(folder, "commit", "-q", "-m", $"release {version}");
            await GitAsync(folder, "tag", "v" + version);
            commits[version] = await GitAsync(folder, "rev-parse", "HEAD");
        }

        return commits;
    }

    /// <summary>A checkout of <paramref name="url"/> at <paramref name="destination"/> whose origin is the catalog's URL, as a
    /// ComfyUI-Manager install leaves it.</summary>
    public async Task<string> CloneAsync(string url, string destination)
    {
        await GitAsync(null, "clone", "-q", Path.Combine(Root, url[GitHub.Length..]), destination);
        await GitAsync(destination, "remote", "set-url", "origin", url);
        return await GitAsync(destination, "rev-parse", "HEAD");
    }

    public static async Task<string> GitAsync(string? folder, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(
            new ProcessSpec(
                "git",
                args,
                folder,
                new Dictionary<string, string?>
                {
                    ["GIT_TERMINAL_PROMPT"] = "0",
                    ["GIT_AUTHOR_NAME"] = "test",
                    ["GIT_AUTHOR_EMAIL"] = "test@example.invalid",
                    ["GIT_COMMITTER_NAME"] = "test",
                    ["GIT_COMMITTER_EMAIL"] = "test@example.invalid",
                },
                TimeSpan.FromSeconds(60)
            ),
            CancellationToken.None
        );
        return result.Succeeded
            ? result.StdOut.Trim()
            : throw new InvalidOperationException($"git {string.Join(' ', args)}: {result.StdErr}");
    }
}
