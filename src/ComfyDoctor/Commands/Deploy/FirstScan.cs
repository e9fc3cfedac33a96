using System.Net.Http.Json;
using System.Text.Json;

namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>
/// After an install, through the server's API (never SSH again): the enrolled worker's first scan — asked for when it has
/// none — waited for, and its lights read. A worker that has a finished scan already is only read, so a second deploy
/// queues nothing.
/// </summary>
public sealed class FirstScan(HttpClient admin, TimeSpan wait)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    public async Task<IReadOnlyDictionary<string, string>> LightsAsync(string worker, CancellationToken ct)
    {
        var until = DateTime.UtcNow + wait;
        var asked = false;
        while (true)
        {
            var summary = await WorkerAsync(worker, ct);
            var status =
                summary is { } s && s.TryGetProperty("lastScanStatus", out var st) && st.ValueKind == JsonValueKind.String
                    ? st.GetString()
                    : null;
            if (
                summary is { } found
                && status == "done"
                && found.TryGetProperty("health", out var health)
                && health.ValueKind == JsonValueKind.Object
            )
            {
                return health
                    .EnumerateObject()
                    .Where(l => l.Value.ValueKind == JsonValueKind.String)
                    .ToDictionary(l => l.Name, l => l.Value.GetString()!, StringComparer.Ordinal);
            }

            if (status == "failed")
            {
                throw new UsageException($"'{worker}': its scan failed on the worker; see `comfydoctor report {worker}`");
            }

            if (summary is not null && status is null && !asked)
            {
                using var response = await admin.PostAsJsonAsync("admin/integrity-scan", new { workers = new[] { worker } }, ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new UsageException(
                        $"'{worker}': the server refused its first scan: {(int)response.StatusCode} "
                            + $"{await response.Content.ReadAsStringAsync(ct)}"
                    );
                }

                asked = true;
            }

            if (DateTime.UtcNow > until)
            {
                throw new UsageException(
                    summary is null
                        ? $"'{worker}' enrolled on the host but the server does not list it; is --server the server the agent "
                            + "enrolled with?"
                        : $"'{worker}': no finished scan within {wait.TotalSeconds:0} s (last status: {status ?? "none"})"
                );
            }

            await Task.Delay(Poll, ct);
        }
    }

    private async Task<JsonElement?> WorkerAsync(string worker, CancellationToken ct)
    {
        using var response = await admin.GetAsync("admin/workers", ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new UsageException(
                $"the server refused the worker list: {(int)response.StatusCode} " + $"{await response.Content.ReadAsStringAsync(ct)}"
            );
        }

        using var list = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        foreach (var w in list.RootElement.EnumerateArray())
        {
            if (w.GetProperty("name").GetString() == worker)
            {
                return w.Clone();
            }
        }

        return null;
    }
}
