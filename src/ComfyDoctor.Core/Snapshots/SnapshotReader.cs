using System.Text;
using System.Text.Json;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Snapshots;

/// <summary>A snapshot as read from a file, and which layout the file had (<see cref="SnapshotFormats"/>).</summary>
public sealed record SnapshotFile(Snapshot Snapshot, string Format);

/// <summary>
/// Reads a snapshot file, its layout told by its content, never its name:
/// <list type="bullet">
/// <item>JSON (it starts with <c>{</c>): ComfyUI-Manager's file (every version's fields; sections older files lack are empty),
/// or ours (the same fields plus <c>format</c> and <c>models</c>).</item>
/// <item>YAML with <c>custom_nodes</c> at the root: Manager's <c>.yaml</c> snapshot (its five fields under
/// <c>custom_nodes</c>), or — with <c>basics</c> or <c>models</c> beside it — comfy-cli's <c>comfy.lock.yaml</c>, whose
/// <c>custom_nodes</c> is that same snapshot; its <c>basics</c> and <c>models</c> are not read (see README "Snapshots").</item>
/// </list>
/// Anything malformed is refused with the file, the line (YAML), the field as a JSON path and what was found:
/// <c>snap.yaml:7: $.custom_nodes.git_custom_nodes["https://…"].hash: expected a commit hash (7 to 40 hex digits), found
/// "main"</c>. Unknown fields are ignored, as Manager ignores them. Credentials in URLs never appear in a message.
/// </summary>
public static class SnapshotReader
{
    /// <summary>Larger files are refused before they are parsed.</summary>
    public const int MaxBytes = 16 << 20;

    private static readonly string[] Sections = ["comfyui", "git_custom_nodes", "cnr_custom_nodes", "file_custom_nodes", "pips"];

    public static Snapshot Read(string text, string source) => ReadFile(Encoding.UTF8.GetBytes(text), source).Snapshot;

    public static Snapshot Read(byte[] bytes, string source) => ReadFile(bytes, source).Snapshot;

    public static SnapshotFile ReadFile(byte[] bytes, string source)
    {
        if (bytes.Length > MaxBytes)
        {
            throw new SnapshotFormatException($"{source}: {bytes.Length:N0} bytes, more than a snapshot may have ({MaxBytes:N0})");
        }

        var text = Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF');
        if (text.TrimStart().StartsWith('{') || text.TrimStart().StartsWith('['))
        {
            return FromJson(bytes, text, source);
        }

        return FromYaml(SnapshotYaml.Read(text, source), source);
    }

    private static SnapshotFile FromJson(byte[] bytes, string text, string source)
    {
        SnapshotNode root;
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
            root = SnapshotNode.FromJson(document.RootElement);
        }
        catch (JsonException e)
        {
            // A YAML flow mapping starts with '{' too: read it as YAML when it is one.
            if (TryYaml(text, source) is { } yaml)
            {
                return FromYaml(yaml, source);
            }

            throw new SnapshotFormatException($"{source}: not JSON{JsonErrorText.Describe(e)}");
        }

        var fields = new SnapshotFields(source, "$");
        if (root.Kind != SnapshotNodeKind.Object)
        {
            throw fields.Error(0, "$", $"expected an object, found {SnapshotText.Found(root)}");
        }

        if (root.TryGet("format", out var format))
        {
            if (format.Kind != SnapshotNodeKind.Text || format.Text != SnapshotFormats.ComfyDoctorTag)
            {
                throw fields.Error(0, "$.format", $"expected \"{SnapshotFormats.ComfyDoctorTag}\", found {SnapshotText.Found(format)}");
            }

            return new(Fields(fields, root, withModels: true), SnapshotFormats.ComfyDoctor);
        }

        if (!Sections.Any(root.Has) && root.TryGet("custom_nodes", out _))
        {
            return FromYaml(root, source); // the YAML layouts written as JSON: read the same way
        }

        return new(Fields(fields, NotEmpty(root, source, "$"), withModels: false), SnapshotFormats.Manager);
    }

    private static SnapshotFile FromYaml(SnapshotNode root, string source)
    {
        var top = new SnapshotFields(source, "$");
        if (root.Kind != SnapshotNodeKind.Object)
        {
            throw top.Error(root.Line, "$", $"expected a mapping, found {SnapshotText.Found(root)}");
        }

        if (!root.TryGet("custom_nodes", out var snapshot))
        {
            if (Sections.Any(root.Has))
            {
                return new(Fields(top, root, withModels: false), SnapshotFormats.ManagerYaml); // the fields without Manager's wrapper
            }

            throw NotASnapshot(source, root.Line, "$");
        }

        var lockFile = root.Has("basics") || root.Has("models");
        var format = lockFile ? SnapshotFormats.ComfyLock : SnapshotFormats.ManagerYaml;
        if (snapshot.Kind is SnapshotNodeKind.Null || snapshot is { Kind: SnapshotNodeKind.Array, Items.Count: 0 })
        {
            throw top.Error(
                snapshot.Line,
                "$.custom_nodes",
                "holds no snapshot (comfy-cli writes [] here until it records custom nodes): nothing to expect of a worker"
            );
        }

        if (snapshot.Kind != SnapshotNodeKind.Object)
        {
            throw top.Error(
                snapshot.Line,
                "$.custom_nodes",
                $"expected ComfyUI-Manager's snapshot (a mapping), found {SnapshotText.Found(snapshot)}"
            );
        }

        return new(Fields(new SnapshotFields(source, "$.custom_nodes"), NotEmpty(snapshot, source, "$.custom_nodes"), false), format);
    }

    private static SnapshotNode? TryYaml(string text, string source)
    {
        try
        {
            return SnapshotYaml.Read(text, source) is { Kind: SnapshotNodeKind.Object } root && root.Has("custom_nodes") ? root : null;
        }
        catch (SnapshotFormatException)
        {
            return null;
        }
    }

    private static SnapshotNode NotEmpty(SnapshotNode snapshot, string source, string path) =>
        Sections.Any(snapshot.Has) ? snapshot : throw NotASnapshot(source, snapshot.Line, path);

    private static SnapshotFormatException NotASnapshot(string source, long line, string path) =>
        new(
            $"{source}{(line > 0 ? $":{line}" : "")}: {(path == "$" ? "" : path + ": ")}not a ComfyUI-Manager snapshot: none of "
                + $"{string.Join(", ", Sections)} is there"
                + (path == "$" ? " (nor custom_nodes, where Manager's YAML snapshot and comfy-cli's comfy.lock.yaml hold them)" : "")
        );

    private static Snapshot Fields(SnapshotFields fields, SnapshotNode root, bool withModels) =>
        new(
            fields.Commit(root),
            fields.GitPacks(root),
            fields.CnrPacks(root),
            fields.FilePacks(root),
            fields.Pips(root),
            withModels ? fields.Models(root) : null
        );
}
