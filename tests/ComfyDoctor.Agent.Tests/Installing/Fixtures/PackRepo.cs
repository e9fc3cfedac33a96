namespace ComfyDoctor.Agent.Tests.Installing.Fixtures;

/// <summary>
/// Builds a real git repository of a node pack commit by commit, then publishes it as a bare repository reachable by a
/// <c>file://</c> URL, the way a farm mirror serves packs.
/// </summary>
public sealed class PackRepo
{
    private int _commits;

    public PackRepo(string root, string name)
    {
        Name = name;
        Work = Path.Combine(root, "work", name);
        Bare = Path.Combine(root, "remote", name + ".git");
        Directory.CreateDirectory(Work);
        Cli.Git(Work, "init", "--quiet", "--initial-branch=main");
    }

    public string Name { get; }

    public string Work { get; }

    public string Bare { get; }

    public string Url => new Uri(Bare).AbsoluteUri;

    /// <summary>A node pack source file that registers <paramref name="nodeTypes"/> the way packs do.</summary>
    public static string NodeSource(params string[] nodeTypes)
    {
        var classes = string.Concat(
            nodeTypes.Select(t =>
                $"class {Ident(t)}:\n    @classmethod\n    def INPUT_TYPES(cls):\n        return {{\"required\": {{}}}}\n    "
                + "RETURN_TYPES = ()\n    FUNCTION = \"run\"\n\n"
            )
        );
        var map = string.Join(", ", nodeTypes.Select(t => $"\"{t}\": {Ident(t)}"));
        return classes + "NODE_CLASS_MAPPINGS = {" + map + "}\n";
    }

    public PackRepo Write(string relative, string content)
    {
        var path = Path.Combine(Work, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return this;
    }

    public PackRepo Delete(string relative)
    {
        File.Delete(Path.Combine(Work, relative));
        return this;
    }

    /// <summary>Commits everything (or, with <paramref name="addAll"/> false, just the index) and returns the full commit hash.</summary>
    public string Commit(string message, bool addAll = true)
    {
        _commits++;
        var date = $"2024-01-01T00:{_commits:00}:00Z";
        var env = new Dictionary<string, string> { ["GIT_AUTHOR_DATE"] = date, ["GIT_COMMITTER_DATE"] = date };
        if (addAll)
        {
            Cli.Git(Work, "add", "--all");
        }

        Cli.Run(
            "git",
            Work,
            env,
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            message
        );
        return Cli.Git(Work, "rev-parse", "HEAD");
    }

    public PackRepo Tag(string tag)
    {
        Cli.Git(Work, "tag", tag);
        return this;
    }

    /// <summary>Adds another published repo as a submodule at <paramref name="path"/>.</summary>
    public PackRepo AddSubmodule(PackRepo other, string path)
    {
        Cli.Git(Work, "-c", "protocol.file.allow=always", "submodule", "--quiet", "add", other.Url, path);
        return this;
    }

    /// <summary>(Re)publishes the work repository as the bare repository behind <see cref="Url"/>.</summary>
    public PackRepo Publish()
    {
        if (Directory.Exists(Bare))
        {
            Cli.Git(Work, "push", "--quiet", "--force", "--tags", Bare, "main");
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Bare)!);
            Cli.Git(Path.GetDirectoryName(Bare)!, "clone", "--quiet", "--bare", Work, Bare);
        }

        return this;
    }

    private static string Ident(string nodeType) => new([.. nodeType.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
}
