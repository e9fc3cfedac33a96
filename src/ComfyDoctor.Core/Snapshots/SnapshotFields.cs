using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// The fields of a snapshot, checked the same way whatever the file's syntax: ComfyUI-Manager's five (<c>comfyui</c>,
/// <c>git_custom_nodes</c>, <c>cnr_custom_nodes</c>, <c>file_custom_nodes</c>, <c>pips</c>) and our <c>models</c>. Each error
/// names the file, the line where the syntax keeps one (YAML), the field as a JSON path from the file's root
/// (<paramref name="prefix"/>: <c>$</c>, or <c>$.custom_nodes</c> inside a YAML wrapper) and what was found.
/// </summary>
internal sealed class SnapshotFields(string source, string prefix)
{
    public string? Commit(SnapshotNode root) =>
        !root.TryGet("comfyui", out var value) || value.Kind == SnapshotNodeKind.Null ? null : CommitHash(value, $"{prefix}.comfyui");

    public List<SnapshotGitPack> GitPacks(SnapshotNode root)
    {
        var packs = new List<SnapshotGitPack>();
        foreach (var (url, value, path, line) in Entries(root, "git_custom_nodes"))
        {
            if (value.Kind != SnapshotNodeKind.Object)
            {
                throw Wrong(path, "an object {\"hash\": …, \"disabled\": …}", value);
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out _) && !url.Contains(':', StringComparison.Ordinal))
            {
                throw Error(line, path, "not a repository URL");
            }

            if (!value.TryGet("hash", out var hash))
            {
                throw Error(value.Line, path + ".hash", "missing (the commit the pack must be at)");
            }

            packs.Add(new SnapshotGitPack(url, CommitHash(hash, path + ".hash"), Flag(value, "disabled", path)));
        }

        if (packs.GroupBy(p => RepoUrl.Normalize(p.Url), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw Error(
                0,
                $"{prefix}.git_custom_nodes",
                $"{string.Join(" and ", twice.Select(p => SnapshotText.Quote(p.Url)))} are the same repository"
            );
        }

        return packs;
    }

    public List<SnapshotCnrPack> CnrPacks(SnapshotNode root) =>
        [.. Entries(root, "cnr_custom_nodes").Select(e => new SnapshotCnrPack(e.Key, Text(e.Value, e.Path, "a version")))];

    public List<SnapshotFilePack> FilePacks(SnapshotNode root)
    {
        var files = new List<SnapshotFilePack>();
        foreach (var (item, path) in Items(root, "file_custom_nodes"))
        {
            if (item.Kind != SnapshotNodeKind.Object || !item.TryGet("filename", out var name))
            {
                throw Wrong(path, "an object {\"filename\": …, \"disabled\": …}", item);
            }

            var file = Text(name, path + ".filename", "a file name");
            if (file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal) || file is "." or "..")
            {
                throw Error(name.Line, path + ".filename", $"{SnapshotText.Quote(file)} is not a plain file name");
            }

            files.Add(new SnapshotFilePack(file, Flag(item, "disabled", path)));
        }

        return files;
    }

    public List<SnapshotPip> Pips(SnapshotNode root) =>
        [.. Entries(root, "pips").Select(e => new SnapshotPip(e.Key, Text(e.Value, e.Path, "a URL or \"\"", allowEmpty: true)))];

    public List<SnapshotModel> Models(SnapshotNode root)
    {
        var models = new List<SnapshotModel>();
        foreach (var (item, path) in Items(root, "models"))
        {
            if (item.Kind != SnapshotNodeKind.Object)
            {
                throw Wrong(path, "an object {\"identity\", \"sha256\", \"size\"}", item);
            }

            var identity = Text(Required(item, "identity", path), path + ".identity", "a model identity (folder/name)");
            var sha = Required(item, "sha256", path);
            var hex = Text(sha, path + ".sha256", "a SHA-256");
            if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
            {
                throw Error(sha.Line, path + ".sha256", $"{SnapshotText.Quote(hex)} is not a SHA-256 (64 hex digits)");
            }

            var size = Required(item, "size", path);
            if (size.Kind != SnapshotNodeKind.Number || !long.TryParse(size.Text, out var bytes) || bytes < 0)
            {
                throw Wrong(path + ".size", "a size in bytes (a whole number, 0 or more)", size);
            }

            models.Add(new SnapshotModel(identity, hex.ToLowerInvariant(), bytes));
        }

        return models;
    }

    /// <summary>The elements of an array section with their paths; none when the section is absent or null.</summary>
    private List<(SnapshotNode Item, string Path)> Items(SnapshotNode root, string section)
    {
        if (!root.TryGet(section, out var list) || list.Kind == SnapshotNodeKind.Null)
        {
            return [];
        }

        return list.Kind == SnapshotNodeKind.Array
            ? [.. list.Items.Select((item, i) => (item, $"{prefix}.{section}[{i}]"))]
            : throw Wrong($"{prefix}.{section}", "an array", list);
    }

    private SnapshotNode Required(SnapshotNode item, string name, string path) =>
        item.TryGet(name, out var value) ? value : throw Error(item.Line, $"{path}.{name}", "missing");

    private List<(string Key, SnapshotNode Value, string Path, long Line)> Entries(SnapshotNode root, string section)
    {
        var entries = new List<(string, SnapshotNode, string, long)>();
        if (!root.TryGet(section, out var map) || map.Kind == SnapshotNodeKind.Null)
        {
            return entries;
        }

        if (map.Kind != SnapshotNodeKind.Object)
        {
            throw Wrong($"{prefix}.{section}", "an object", map);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in map.Properties)
        {
            var path = $"{prefix}.{section}[{SnapshotText.Quote(property.Key)}]";
            if (property.Key.Trim().Length == 0)
            {
                throw Error(property.Line, path, "an empty key");
            }

            if (!seen.Add(property.Key))
            {
                throw Error(property.Line, path, "given twice");
            }

            entries.Add((property.Key, property.Value, path, property.Line));
        }

        return entries;
    }

    private string CommitHash(SnapshotNode value, string path)
    {
        var text = Text(value, path, "a commit hash (7 to 40 hex digits)");
        return text.Length is >= 7 and <= 40 && text.All(char.IsAsciiHexDigit)
            ? text.ToLowerInvariant()
            : throw Error(value.Line, path, $"expected a commit hash (7 to 40 hex digits), found {SnapshotText.Quote(text)}");
    }

    private string Text(SnapshotNode value, string path, string what, bool allowEmpty = false) =>
        value.Kind == SnapshotNodeKind.Text && (allowEmpty || value.Text.Trim().Length > 0) ? value.Text : throw Wrong(path, what, value);

    private bool Flag(SnapshotNode item, string name, string path) =>
        !item.TryGet(name, out var value) ? false
        : value.Kind == SnapshotNodeKind.Bool ? value.Text == "true"
        : throw Wrong($"{path}.{name}", "true or false", value);

    private SnapshotFormatException Wrong(string path, string expected, SnapshotNode found) =>
        Error(found.Line, path, $"expected {expected}, found {SnapshotText.Found(found)}");

    /// <param name="line">0 when the syntax keeps none (JSON).</param>
    public SnapshotFormatException Error(long line, string path, string what) =>
        new($"{source}{(line > 0 ? $":{line}" : "")}: {path}: {what}");
}
