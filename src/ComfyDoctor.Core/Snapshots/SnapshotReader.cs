using System.Text;
using System.Text.Json;
using ComfyDoctor.Core.Nodes;
using ComfyDoctor.Core.Text;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// Reads a snapshot file: ComfyUI-Manager's JSON (every version's fields; sections older files lack are empty) or our
/// <c>comfydoctor</c> format (the same fields plus <c>format</c> and <c>models</c>). Anything malformed is refused with the
/// file, the field as a JSON path and what was found: <c>snap.json: $.git_custom_nodes["https://…"].hash: expected a commit
/// hash (7 to 40 hex digits), found "main"</c>. Unknown top-level fields are ignored, as Manager ignores them.
/// </summary>
public static class SnapshotReader
{
    /// <summary>Larger files are refused before they are parsed.</summary>
    public const int MaxBytes = 16 << 20;

    private static readonly string[] Sections = ["comfyui", "git_custom_nodes", "cnr_custom_nodes", "file_custom_nodes", "pips"];

    public static Snapshot Read(string text, string source) => Read(Encoding.UTF8.GetBytes(text), source);

    public static Snapshot Read(byte[] bytes, string source)
    {
        if (bytes.Length > MaxBytes)
        {
            throw new SnapshotFormatException($"{source}: {bytes.Length:N0} bytes, more than a snapshot may have ({MaxBytes:N0})");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new SnapshotFormatException($"{source}: not JSON{JsonErrorText.Describe(e)}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Wrong(source, "$", "an object", root);
            }

            var isOurs = root.TryGetProperty("format", out var format);
            if (isOurs && (format.ValueKind != JsonValueKind.String || format.GetString() != SnapshotFormats.ComfyDoctorTag))
            {
                throw Wrong(source, "$.format", $"\"{SnapshotFormats.ComfyDoctorTag}\"", format);
            }

            if (!isOurs && !Sections.Any(s => root.TryGetProperty(s, out _)))
            {
                throw new SnapshotFormatException(
                    $"{source}: not a ComfyUI-Manager snapshot: none of {string.Join(", ", Sections)} is there"
                );
            }

            var reader = new Fields(source);
            return new Snapshot(
                reader.Commit(root),
                reader.GitPacks(root),
                reader.CnrPacks(root),
                reader.FilePacks(root),
                reader.Pips(root),
                isOurs ? reader.Models(root) : null
            );
        }
    }

    private sealed class Fields(string source)
    {
        public string? Commit(JsonElement root)
        {
            if (!root.TryGetProperty("comfyui", out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return CommitHash(value, "$.comfyui");
        }

        public List<SnapshotGitPack> GitPacks(JsonElement root)
        {
            var packs = new List<SnapshotGitPack>();
            foreach (var (url, value, path) in Entries(root, "git_custom_nodes"))
            {
                if (value.ValueKind != JsonValueKind.Object)
                {
                    throw Wrong(source, path, "an object {\"hash\": …, \"disabled\": …}", value);
                }

                if (!Uri.TryCreate(url, UriKind.Absolute, out _) && !url.Contains(':', StringComparison.Ordinal))
                {
                    throw new SnapshotFormatException($"{source}: {path}: not a repository URL");
                }

                if (!value.TryGetProperty("hash", out var hash))
                {
                    throw new SnapshotFormatException($"{source}: {path}.hash: missing (the commit the pack must be at)");
                }

                packs.Add(new SnapshotGitPack(url, CommitHash(hash, path + ".hash"), Flag(value, "disabled", path)));
            }

            if (packs.GroupBy(p => RepoUrl.Normalize(p.Url), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                throw new SnapshotFormatException(
                    $"{source}: $.git_custom_nodes: {string.Join(" and ", twice.Select(p => Key(p.Url)))} are the same repository"
                );
            }

            return packs;
        }

        public List<SnapshotCnrPack> CnrPacks(JsonElement root) =>
            [.. Entries(root, "cnr_custom_nodes").Select(e => new SnapshotCnrPack(e.Key, Text(e.Value, e.Path, "a version")))];

        public List<SnapshotFilePack> FilePacks(JsonElement root)
        {
            var files = new List<SnapshotFilePack>();
            foreach (var (item, path) in Items(root, "file_custom_nodes"))
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("filename", out var name))
                {
                    throw Wrong(source, path, "an object {\"filename\": …, \"disabled\": …}", item);
                }

                var file = Text(name, path + ".filename", "a file name");
                if (file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal) || file is "." or "..")
                {
                    throw new SnapshotFormatException($"{source}: {path}.filename: {Key(file)} is not a plain file name");
                }

                files.Add(new SnapshotFilePack(file, Flag(item, "disabled", path)));
            }

            return files;
        }

        public List<SnapshotPip> Pips(JsonElement root) =>
            [.. Entries(root, "pips").Select(e => new SnapshotPip(e.Key, Text(e.Value, e.Path, "a URL or \"\"", allowEmpty: true)))];

        public List<SnapshotModel> Models(JsonElement root)
        {
            var models = new List<SnapshotModel>();
            foreach (var (item, path) in Items(root, "models"))
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw Wrong(source, path, "an object {\"identity\", \"sha256\", \"size\"}", item);
                }

                var identity = Text(Required(item, "identity", path), path + ".identity", "a model identity (folder/name)");
                var sha = Text(Required(item, "sha256", path), path + ".sha256", "a SHA-256");
                if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit))
                {
                    throw new SnapshotFormatException($"{source}: {path}.sha256: {Key(sha)} is not a SHA-256 (64 hex digits)");
                }

                var size = Required(item, "size", path);
                if (size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var bytes) || bytes < 0)
                {
                    throw Wrong(source, path + ".size", "a size in bytes (a whole number, 0 or more)", size);
                }

                models.Add(new SnapshotModel(identity, sha.ToLowerInvariant(), bytes));
            }

            return models;
        }

        /// <summary>The elements of an array section with their paths; none when the section is absent or null.</summary>
        private List<(JsonElement Item, string Path)> Items(JsonElement root, string section)
        {
            if (!root.TryGetProperty(section, out var list) || list.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            return list.ValueKind == JsonValueKind.Array
                ? [.. list.EnumerateArray().Select((item, i) => (item, $"$.{section}[{i}]"))]
                : throw Wrong(source, "$." + section, "an array", list);
        }

        private JsonElement Required(JsonElement item, string name, string path) =>
            item.TryGetProperty(name, out var value) ? value : throw new SnapshotFormatException($"{source}: {path}.{name}: missing");

        private List<(string Key, JsonElement Value, string Path)> Entries(JsonElement root, string section)
        {
            var entries = new List<(string, JsonElement, string)>();
            if (!root.TryGetProperty(section, out var map) || map.ValueKind == JsonValueKind.Null)
            {
                return entries;
            }

            if (map.ValueKind != JsonValueKind.Object)
            {
                throw Wrong(source, "$." + section, "an object", map);
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in map.EnumerateObject())
            {
                var path = $"$.{section}[{Key(property.Name)}]";
                if (property.Name.Trim().Length == 0)
                {
                    throw new SnapshotFormatException($"{source}: {path}: an empty key");
                }

                if (!seen.Add(property.Name))
                {
                    throw new SnapshotFormatException($"{source}: {path}: given twice");
                }

                entries.Add((property.Name, property.Value, path));
            }

            return entries;
        }

        private string CommitHash(JsonElement value, string path)
        {
            var text = Text(value, path, "a commit hash (7 to 40 hex digits)");
            return text.Length is >= 7 and <= 40 && text.All(char.IsAsciiHexDigit)
                ? text.ToLowerInvariant()
                : throw new SnapshotFormatException($"{source}: {path}: expected a commit hash (7 to 40 hex digits), found {Key(text)}");
        }

        private string Text(JsonElement value, string path, string what, bool allowEmpty = false) =>
            value.ValueKind == JsonValueKind.String && (allowEmpty || value.GetString()!.Trim().Length > 0)
                ? value.GetString()!
                : throw Wrong(source, path, what, value);

        private bool Flag(JsonElement item, string name, string path) =>
            !item.TryGetProperty(name, out var value) ? false
            : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
            : throw Wrong(source, $"{path}.{name}", "true or false", value);
    }

    private static SnapshotFormatException Wrong(string source, string path, string expected, JsonElement found) =>
        new($"{source}: {path}: expected {expected}, found {Found(found)}");

    private static string Found(JsonElement value) =>
        value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!.Length == 0 ? "an empty string" : Key(value.GetString()!),
            JsonValueKind.Number => $"the number {Clip(value.GetRawText())}",
            JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            JsonValueKind.Null => "null",
            JsonValueKind.Array => "an array",
            _ => "an object",
        };

    /// <summary>A key or value as shown in a message: quoted, clipped, control characters escaped.</summary>
    private static string Key(string text) => "\"" + Printable.Escape(Clip(text)) + "\"";

    private static string Clip(string text) => text.Length > 120 ? text[..120] + "…" : text;
}
