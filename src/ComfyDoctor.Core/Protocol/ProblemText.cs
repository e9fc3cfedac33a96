using System.Text.Json;

namespace ComfyDoctor.Core.Protocol;

/// <summary>
/// The words of a server's error body, for a person: a problem's <c>detail</c> (RFC 9457; its <c>title</c> when it has no
/// detail), a JSON string's text, or the body as sent when it is neither.
/// </summary>
public static class ProblemText
{
    /// <summary>The prefix of every problem <c>type</c> the server answers with (<c>urn:comfydoctor:problem:SLUG</c>).</summary>
    public const string TypePrefix = "urn:comfydoctor:problem:";

    /// <summary>The problem's <c>type</c>, or null when the body is no problem document.</summary>
    public static string? TypeOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? Text(document.RootElement, "type") : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

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
