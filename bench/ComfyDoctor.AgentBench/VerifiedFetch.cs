using System.Diagnostics;
using System.Globalization;
using ComfyDoctor.Agent.Transfers;

namespace ComfyDoctor.AgentBench;

/// <summary>
/// One model download exactly as a repair does it (<see cref="VerifiedDownloader"/>: space check, .partial hashed while it is
/// written, fsync, SHA-256 compared, atomic rename). Prints the seconds of the transfer alone and the process's peak RSS.
/// </summary>
public static class VerifiedFetch
{
    public static async Task<int> RunAsync(Uri url, string sha256, long size, string destination)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var downloader = new VerifiedDownloader(http, TimeSpan.FromSeconds(60));
        var quarantine = new Quarantine(
            Path.Combine(Path.GetDirectoryName(Path.GetFullPath(destination))!, ".quarantine"),
            TimeSpan.FromDays(1)
        );
        var clock = Stopwatch.StartNew();
        await downloader.DownloadAsync(
            url,
            new TransferTarget(Path.GetFullPath(destination), sha256, size),
            quarantine,
            null,
            CancellationToken.None
        );
        clock.Stop();
        Console.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"seconds {clock.Elapsed.TotalSeconds:0.000} peak_rss_kib {PeakRssKib()}")
        );
        return 0;
    }

    public static long PeakRssKib() =>
        File.ReadLines("/proc/self/status")
            .Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture))
            .FirstOrDefault();
}
