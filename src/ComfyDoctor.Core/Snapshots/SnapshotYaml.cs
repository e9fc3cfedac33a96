using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// A YAML snapshot file (ComfyUI-Manager's <c>.yaml</c> snapshot, comfy-cli's <c>comfy.lock.yaml</c>) as a
/// <see cref="SnapshotNode"/> tree with the line of every value, read from YamlDotNet's event stream. Plain scalars are
/// resolved as PyYAML's safe loader resolves them (which both tools use): <c>~</c>, <c>null</c> and nothing are null;
/// <c>true/false/yes/no/on/off</c> in their three spellings are flags; everything else — numbers included — is text exactly
/// as written (so a version <c>1.10</c> stays <c>1.10</c>). What neither tool writes and a snapshot does not need is
/// refused with its line: anchors and aliases, tags other than YAML's core ones, non-scalar keys, a key given twice, nesting
/// deeper than 16, more than one document.
/// </summary>
internal static class SnapshotYaml
{
    private const int MaxDepth = 16;

    private static readonly HashSet<string> Nulls = new(StringComparer.Ordinal) { "", "~", "null", "Null", "NULL" };

    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal)
    {
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
    };

    private static readonly HashSet<string> CoreTags = new(StringComparer.Ordinal)
    {
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:map",
        "tag:yaml.org,2002:seq",
    };

    /// <summary>The document's root, or a <see cref="SnapshotFormatException"/> naming the file and line.</summary>
    public static SnapshotNode Read(string text, string source)
    {
        var parser = new Parser(new StringReader(text));
        try
        {
            parser.Consume<StreamStart>();
            if (!parser.TryConsume<DocumentStart>(out _))
            {
                throw new SnapshotFormatException($"{source}: empty: no YAML document");
            }

            var root = Node(parser, source, 1);
            parser.Consume<DocumentEnd>();
            if (parser.TryConsume<DocumentStart>(out var second))
            {
                throw new SnapshotFormatException($"{source}:{second.Start.Line}: a second YAML document; a snapshot is one");
            }

            return root;
        }
        catch (YamlException e)
        {
            throw new SnapshotFormatException($"{source}:{e.Start.Line}: not valid YAML: {(e.InnerException ?? e).Message}");
        }
    }

    /// <param name="depth">1 for the root.</param>
    private static SnapshotNode Node(IParser parser, string source, int depth)
    {
        var at = parser.Current!;
        var line = at.Start.Line;
        if (depth > MaxDepth)
        {
            throw new SnapshotFormatException($"{source}:{line}: nested deeper than {MaxDepth} levels");
        }

        if (at is AnchorAlias || at is NodeEvent { Anchor.IsEmpty: false })
        {
            throw new SnapshotFormatException($"{source}:{line}: anchors and aliases (& and *) are not read in a snapshot");
        }

        if (at is NodeEvent { Tag.IsEmpty: false } tagged && !CoreTags.Contains(tagged.Tag.Value))
        {
            throw new SnapshotFormatException($"{source}:{line}: the tag {tagged.Tag.Value} is not read in a snapshot");
        }

        if (parser.TryConsume<Scalar>(out var scalar))
        {
            return Scalar(scalar, line);
        }

        if (parser.TryConsume<SequenceStart>(out _))
        {
            var items = new List<SnapshotNode>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                items.Add(Node(parser, source, depth + 1));
            }

            return SnapshotNode.Array(items, line);
        }

        parser.Consume<MappingStart>();
        var properties = new List<SnapshotProperty>();
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            if (parser.Current is not Scalar key || key.Anchor is { IsEmpty: false })
            {
                throw new SnapshotFormatException($"{source}:{parser.Current!.Start.Line}: a key must be plain text");
            }

            parser.MoveNext();
            if (!seen.TryAdd(key.Value, key.Start.Line))
            {
                throw new SnapshotFormatException(
                    $"{source}:{key.Start.Line}: the key {SnapshotText.Quote(key.Value)} is given twice (first on line {seen[key.Value]})"
                );
            }

            properties.Add(new SnapshotProperty(key.Value, key.Start.Line, Node(parser, source, depth + 1)));
        }

        return SnapshotNode.Object(properties, line);
    }

    private static SnapshotNode Scalar(Scalar scalar, long line)
    {
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag == "tag:yaml.org,2002:str" || (tag is null && scalar.Style != ScalarStyle.Plain))
        {
            return SnapshotNode.Scalar(SnapshotNodeKind.Text, scalar.Value, line);
        }

        return Nulls.Contains(scalar.Value) && tag is null or "tag:yaml.org,2002:null"
                ? SnapshotNode.Scalar(SnapshotNodeKind.Null, "", line)
            : Flags.Contains(scalar.Value) && tag is null or "tag:yaml.org,2002:bool"
                ? SnapshotNode.Scalar(
                    SnapshotNodeKind.Bool,
                    scalar.Value.ToLowerInvariant() is "true" or "yes" or "on" ? "true" : "false",
                    line
                )
            : SnapshotNode.Scalar(SnapshotNodeKind.Text, scalar.Value, line);
    }
}
