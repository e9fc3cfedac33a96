using System.Text.Json;

namespace ComfyDoctor.Core.Snapshots;

/// <summary>What a value of a snapshot file is, whichever syntax it was written in.</summary>
internal enum SnapshotNodeKind
{
    Null,
    Text,
    Number,
    Bool,
    Array,
    Object,
}

/// <summary>One property of an object: its key, the line the key is on (0 in JSON, whose reader keeps no lines), its value.</summary>
internal sealed record SnapshotProperty(string Key, long Line, SnapshotNode Value);

/// <summary>
/// A value of a snapshot file as the reader sees it (<see cref="SnapshotFields"/>), from JSON (<see cref="FromJson"/>) or YAML
/// (<see cref="SnapshotYaml"/>): one tree for both, so the fields are checked once, the same way, with the line where the
/// syntax keeps one. Properties stay in file order, duplicates included (the reader refuses them where they matter).
/// </summary>
internal sealed class SnapshotNode
{
    private SnapshotNode(SnapshotNodeKind kind, string text, long line)
    {
        Kind = kind;
        Text = text;
        Line = line;
    }

    public SnapshotNodeKind Kind { get; }

    /// <summary>A text's value; a number's or a flag's text as written.</summary>
    public string Text { get; }

    /// <summary>The line the value starts on; 0 when unknown (JSON).</summary>
    public long Line { get; }

    public IReadOnlyList<SnapshotNode> Items { get; private init; } = [];

    public IReadOnlyList<SnapshotProperty> Properties { get; private init; } = [];

    public static SnapshotNode Scalar(SnapshotNodeKind kind, string text, long line) => new(kind, text, line);

    public static SnapshotNode Array(IReadOnlyList<SnapshotNode> items, long line) =>
        new(SnapshotNodeKind.Array, "", line) { Items = items };

    public static SnapshotNode Object(IReadOnlyList<SnapshotProperty> properties, long line) =>
        new(SnapshotNodeKind.Object, "", line) { Properties = properties };

    /// <summary>The first property of that name.</summary>
    public bool TryGet(string name, out SnapshotNode value)
    {
        value = Properties.FirstOrDefault(p => p.Key == name)?.Value!;
        return value is not null;
    }

    public bool Has(string name) => Properties.Any(p => p.Key == name);

    public static SnapshotNode FromJson(JsonElement element) =>
        element.ValueKind switch
        {
            JsonValueKind.Object => Object(
                [.. element.EnumerateObject().Select(p => new SnapshotProperty(p.Name, 0, FromJson(p.Value)))],
                0
            ),
            JsonValueKind.Array => Array([.. element.EnumerateArray().Select(FromJson)], 0),
            JsonValueKind.String => Scalar(SnapshotNodeKind.Text, element.GetString()!, 0),
            JsonValueKind.Number => Scalar(SnapshotNodeKind.Number, element.GetRawText(), 0),
            JsonValueKind.True or JsonValueKind.False => Scalar(SnapshotNodeKind.Bool, element.GetRawText(), 0),
            _ => Scalar(SnapshotNodeKind.Null, "", 0),
        };
}
