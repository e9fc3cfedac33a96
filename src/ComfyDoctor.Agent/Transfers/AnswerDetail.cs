using System.Text;
using System.Text.Json;

namespace ComfyDoctor.Agent.Transfers;

/// <summary>
/// The reason a refusing server gave, for the transfer's failure text: the <c>detail</c> of an RFC 9457 problem answer (our
/// server's relay says why a peer could not send, or what was wrong with its upload), at most 300 characters of printable
/// text; nothing for any other body (a host's HTML error page is not read).
/// </summary>
internal static class AnswerDetail
{
    private const int MaxBytes = 8 << 10;
    private const int MaxChars = 300;

    /// <summary>": detail", or empty.</summary>
    public static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return "";
        }

        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[MaxBytes];
            var length = await body.ReadAtLeastAsync(buffer, MaxBytes, throwOnEndOfStream: false, ct);
            using var problem = JsonDocument.Parse(buffer.AsMemory(0, length));
            return problem.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
                ? ": " + Printable(detail.GetString()!)
                : "";
        }
        catch (Exception e) when (e is JsonException or IOException or HttpRequestException)
        {
            return "";
        }
    }

    private static string Printable(string text)
    {
        var clean = new StringBuilder(Math.Min(text.Length, MaxChars));
        foreach (var c in text.Take(MaxChars))
        {
            clean.Append(char.IsControl(c) ? ' ' : c);
        }

        return text.Length > MaxChars ? clean + "…" : clean.ToString();
    }
}
