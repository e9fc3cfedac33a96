using System.Text.Json;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>Parses the catalog's JSON files, turning syntax and shape errors into <see cref="NodeCatalogFormatException"/>s.</summary>
internal static class CatalogJson
{
    public static JsonDocument Parse(string fileName, Stream json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new NodeCatalogFormatException($"{fileName}: not valid JSON{JsonErrorText.Describe(e)}", e);
        }
    }

    public static JsonElement RootObject(string fileName, JsonDocument document, string expected) =>
        document.RootElement.ValueKind == JsonValueKind.Object
            ? document.RootElement
            : throw new NodeCatalogFormatException($"{fileName}: expected {expected}");

    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static int? Int(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.Number
        && value.TryGetInt32(out var number)
            ? number
            : null;

    /// <summary>The strings of a list field; a single string counts as a list of one; anything else is empty.</summary>
    public static List<string> Strings(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return [];
        }

        return value.ValueKind switch
        {
            JsonValueKind.Array => value
                .EnumerateArray()
                .Where(v => v.ValueKind == JsonValueKind.String)
                .Select(v => v.GetString()!)
                .ToList(),
            JsonValueKind.String => [value.GetString()!],
            _ => [],
        };
    }
}
