using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ComfyDoctor.Core.Registry;

/// <summary>One value of a registry entry as the event stream gave it: a scalar, a list of scalars (<c>urls</c>), or something else, with
/// its line.</summary>
internal sealed record RegistryValue(long Line, string? Scalar, IReadOnlyList<RegistryValue>? Items);

/// <summary>
/// The registry file as YamlDotNet's event stream (JSON read as YAML), one entry at a time: no document tree is built, so
/// a million entries cost their own size, not twenty times the file's (issue 16.5).
/// </summary>
internal sealed class RegistryEvents(IParser parser, string fileName)
{
    /// <summary>Moves to the first entry of the root's <c>models</c> list; its line, or an error.</summary>
    public void OpenModels()
    {
        parser.Consume<StreamStart>();
        if (!parser.TryConsume<DocumentStart>(out _) || !parser.TryConsume<MappingStart>(out var root))
        {
            throw new RegistryFormatException($"{fileName}:1: expected an object with a 'models' list");
        }

        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = parser.Consume<Scalar>();
            if (key.Value == "models")
            {
                if (parser.TryConsume<SequenceStart>(out _))
                {
                    return;
                }

                break;
            }

            parser.SkipThisAndNestedEvents();
        }

        throw new RegistryFormatException($"{fileName}:{root.Start.Line}: 'models' is missing or is not a list");
    }

    /// <summary>The next entry's fields and the line it starts on; null at the end of the list. A non-object entry has no fields.</summary>
    public (long Line, Dictionary<string, RegistryValue>? Fields)? Next()
    {
        if (parser.TryConsume<SequenceEnd>(out _))
        {
            return null;
        }

        var line = parser.Current!.Start.Line;
        if (!parser.TryConsume<MappingStart>(out _))
        {
            parser.SkipThisAndNestedEvents();
            return (line, null);
        }

        var fields = new Dictionary<string, RegistryValue>(StringComparer.Ordinal);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = parser.Consume<Scalar>();
            if (!fields.TryAdd(key.Value, Value()))
            {
                throw new RegistryFormatException($"{fileName}:{key.Start.Line}: '{key.Value}' is given twice");
            }
        }

        return (line, fields);
    }

    private RegistryValue Value()
    {
        var line = parser.Current!.Start.Line;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            return new RegistryValue(line, scalar.Value, null);
        }

        if (!parser.TryConsume<SequenceStart>(out _))
        {
            parser.SkipThisAndNestedEvents();
            return new RegistryValue(line, null, null);
        }

        var items = new List<RegistryValue>();
        while (!parser.TryConsume<SequenceEnd>(out _))
        {
            var at = parser.Current!.Start.Line;
            if (parser.TryConsume<Scalar>(out var item))
            {
                items.Add(new RegistryValue(at, item.Value, null));
            }
            else
            {
                parser.SkipThisAndNestedEvents();
                items.Add(new RegistryValue(at, null, null));
            }
        }

        return new RegistryValue(line, null, items);
    }
}
