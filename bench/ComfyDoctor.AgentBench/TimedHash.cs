using System.Diagnostics;
using System.Globalization;
using ComfyDoctor.Agent.Hashing;

namespace ComfyDoctor.AgentBench;

/// <summary>
/// One file hashed exactly as the scanner hashes it (<see cref="FileHasher"/>). Prints the hash, the seconds of the hashing
/// alone (after .NET start-up, which the whole-process time in bench/run.sh includes) and the process's peak RSS.
/// </summary>
public static class TimedHash
{
    public static int Run(string path)
    {
        var clock = Stopwatch.StartNew();
        var sha = new FileHasher().Hash(path, null, CancellationToken.None);
        clock.Stop();
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"sha256 {sha} seconds {clock.Elapsed.TotalSeconds:0.000} peak_rss_kib {VerifiedFetch.PeakRssKib()}"
            )
        );
        return 0;
    }
}
