using System.Text.Json;

namespace ComfyDoctor.Core.Workflows;

/// <summary>Words for a JSON syntax error: <c>" at line 3, byte 7: '}' is invalid after a value…"</c> (1-based).</summary>
internal static class JsonErrorText
{
    public static string Describe(JsonException e)
    {
        var reason = e.Message;
        var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        reason = (cut > 0 ? reason[..cut] : reason).TrimEnd();
        var where = e.LineNumber is { } line ? $" at line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1}" : "";
        return where + ": " + reason;
    }
}
