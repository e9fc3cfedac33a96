using System.Text.Json;

namespace ComfyDoctor.Agent.Transfers;

/// <summary>
/// Request headers per host for gated model hosts, from a JSON file the admin keeps on the worker:
/// <c>{"huggingface.co": {"Authorization": "Bearer hf_…"}}</c>. Sent only to that exact host, over https only
/// (or to loopback); never logged or reported.
/// </summary>
public sealed class SourceHeaders
{
    private readonly Dictionary<string, Dictionary<string, string>> _byHost;

    private SourceHeaders(Dictionary<string, Dictionary<string, string>> byHost) => _byHost = byHost;

    public static SourceHeaders None { get; } = new(new(StringComparer.OrdinalIgnoreCase));

    public static SourceHeaders Load(string file)
    {
        Dictionary<string, Dictionary<string, string>>? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(File.ReadAllText(file));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: expected {{\"host\": {{\"Header\": \"value\"}}}}: {e.Message}", e);
        }

        return new SourceHeaders(new(parsed ?? [], StringComparer.OrdinalIgnoreCase));
    }

    public IReadOnlyDictionary<string, string> For(Uri uri) =>
        (uri.Scheme == Uri.UriSchemeHttps || uri.IsLoopback) && _byHost.TryGetValue(uri.Host, out var headers)
            ? headers
            : new Dictionary<string, string>();
}
