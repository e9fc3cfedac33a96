using System.Globalization;
using System.Text.RegularExpressions;
using ComfyDoctor.Agent.Processes;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Runtime;

/// <summary>
/// GPUs and the driver from <c>nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader,nounits</c>,
/// and the CUDA version the driver supports from the banner of plain <c>nvidia-smi</c>.
/// </summary>
public static partial class GpuProbe
{
    public static readonly IReadOnlyList<string> QueryArguments =
    [
        "--query-gpu=name,driver_version,memory.total",
        "--format=csv,noheader,nounits",
    ];

    public static async Task<(IReadOnlyList<GpuFacts> Gpus, string? Note)> ProbeAsync(
        string nvidiaSmi,
        TimeSpan timeout,
        CancellationToken ct
    )
    {
        var query = await ProcessRunner.RunAsync(new ProcessSpec(nvidiaSmi, QueryArguments, Timeout: timeout), ct);
        if (query.NotFound)
        {
            return ([], "nvidia-smi not found");
        }

        if (!query.Succeeded)
        {
            var why = query.TimedOut ? "timed out" : $"exit code {query.ExitCode}: {query.StdErr.Trim()}{query.StdOut.Trim()}";
            return ([], $"nvidia-smi failed ({why})");
        }

        var banner = await ProcessRunner.RunAsync(new ProcessSpec(nvidiaSmi, [], Timeout: timeout), ct);
        var cuda = banner.Succeeded && CudaVersion().Match(banner.StdOut) is { Success: true } m ? m.Groups[1].Value : null;
        return (ParseQuery(query.StdOut, cuda), null);
    }

    /// <summary>
    /// One GPU per CSV line. Accepts a header line (<c>name, driver_version, memory.total [MiB]</c>), units
    /// (<c>81559 MiB</c>), CRLF line ends and placeholders such as <c>[N/A]</c>; a name with commas keeps them (the last
    /// two fields are the driver and the memory).
    /// </summary>
    public static IReadOnlyList<GpuFacts> ParseQuery(string csv, string? cudaVersion)
    {
        var gpus = new List<GpuFacts>();
        foreach (var raw in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = raw.Split(',').Select(f => f.Trim()).ToArray();
            if (fields.Length < 3 || fields[0].Equals("name", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var name = string.Join(", ", fields[..^2]);
            var driver = Known(fields[^2]);
            var memory =
                Known(fields[^1]) is { } mem
                && long.TryParse(mem.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var mib)
                    ? mib
                    : (long?)null;
            gpus.Add(new GpuFacts(name, driver, memory, cudaVersion));
        }

        return gpus;
    }

    /// <summary>Null for the tool's placeholders: <c>[N/A]</c>, <c>[Not Supported]</c>, <c>[Insufficient Permissions]</c>,
    /// <c>[Unknown Error]</c>.</summary>
    private static string? Known(string value) =>
        value.Length == 0 || value == "N/A" || (value.StartsWith('[') && value.EndsWith(']')) ? null : value;

    [GeneratedRegex(@"CUDA Version:\s*([0-9.]+)")]
    private static partial Regex CudaVersion();
}
