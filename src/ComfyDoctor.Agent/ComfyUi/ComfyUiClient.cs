using System.Text.Json;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Agent.ComfyUi;

/// <summary>
/// Reads a running ComfyUI: <c>GET /object_info</c> (an object keyed by node type) and <c>GET /system_stats</c>
/// (<c>system.comfyui_version</c>, <c>python_version</c>, <c>pytorch_version</c>, <c>devices[].name</c>, and the path
/// options of <c>system.argv</c>, read by <see cref="ComfyUiArgv"/>).
/// Unreachable or malformed answers give null and a reason, never an exception.
/// </summary>
public static class ComfyUiClient
{
    public const long MaxObjectInfoBytes = 256L << 20;

    public static async Task<(LiveComfyUi? Live, string? Problem)> ReadAsync(HttpClient http, Uri baseUrl, CancellationToken ct)
    {
        try
        {
            using var objectInfo = await GetJsonAsync(http, new Uri(baseUrl, "object_info"), ct);
            using var stats = await GetJsonAsync(http, new Uri(baseUrl, "system_stats"), ct);
            if (objectInfo.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, $"{baseUrl}object_info did not answer a JSON object");
            }

            var types = objectInfo.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            var system = stats.RootElement.TryGetProperty("system", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
            var devices =
                stats.RootElement.TryGetProperty("devices", out var d) && d.ValueKind == JsonValueKind.Array
                    ? d.EnumerateArray().Select(x => Text(x, "name")).OfType<string>().ToList()
                    : [];
            var argv =
                system.ValueKind == JsonValueKind.Object && system.TryGetProperty("argv", out var a) && a.ValueKind == JsonValueKind.Array
                    ? a.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
                    : null;
            return (
                new LiveComfyUi(
                    baseUrl.ToString(),
                    types,
                    Text(system, "comfyui_version"),
                    Text(system, "python_version"),
                    Text(system, "pytorch_version"),
                    devices
                )
                {
                    Arguments = ComfyUiArgv.Parse(argv),
                    CustomNodeFolders = CustomNodeFolders(objectInfo.RootElement),
                },
                null
            );
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException or InvalidDataException)
        {
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            return (null, $"ComfyUI at {baseUrl} not readable: {e.Message}");
        }
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient http, Uri url, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {url} answered {(int)response.StatusCode}");
        }

        if (response.Content.Headers.ContentLength > MaxObjectInfoBytes)
        {
            throw new InvalidDataException($"GET {url} answered {response.Content.Headers.ContentLength:N0} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        return await JsonDocument.ParseAsync(stream, cancellationToken: ct);
    }

    /// <summary>Each custom node type's pack folder, from its <c>python_module</c> (<c>custom_nodes.FOLDER</c>).</summary>
    private static Dictionary<string, string> CustomNodeFolders(JsonElement objectInfo) =>
        objectInfo
            .EnumerateObject()
            .Select(p => (p.Name, Folder: ObjectInfoReader.PackFolder(Text(p.Value, "python_module"))))
            .Where(p => p.Folder is not null)
            .ToDictionary(p => p.Name, p => p.Folder!, StringComparer.Ordinal);

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
