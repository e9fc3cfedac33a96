using System.Text.Json;

namespace ComfyDoctor.Core.Protocol;

/// <summary>
/// The words of a server's error body, for a person: a problem's <c>detail</c> (RFC 9457; its <c>title</c> when it has no
/// detail), a JSON string's text, or the body as sent when it is neither.
/// </summary>
public static class ProblemText
{
    public static string Of(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.String)
            {
                return root.GetString()!;
            }

            if (root.ValueKind == JsonValueKind.Object && (Text(root, "detail") ?? Text(root, "title")) is { } words)
            {
                return words;
            }
        }
        catch (JsonException)
        {
            // not JSON: the text as sent
        }

        return body;
    }

    private static string? Text(JsonElement problem, string name) =>
        problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
