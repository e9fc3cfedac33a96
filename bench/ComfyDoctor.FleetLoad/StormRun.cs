using System.Diagnostics;
using System.Globalization;

namespace ComfyDoctor.FleetLoad;

/// <summary>
/// The reconnect storm after a server restart (issue 20): N agents enroll and wait in their long polls, then
/// <paramref name="restart"/> (a shell command) stops every replica and starts it again on the same address and store, and
/// returns once they listen. The agents come back as the real agent does (<see cref="SimulatedAgent.RunAsync"/>): jittered
/// back-off while the server is down, the <c>Retry-After</c> of a <c>503</c> plus jitter. An agent is back once a poll it sent
/// after the restart began still waits after <see cref="Admitted"/> (a replica turns a poll away within its 2 s start wait, and
/// a stopping one answers 204 at once); its time is when that poll was sent. Prints when each came back (from the restart's
/// start), the 503s and the refused connections.
/// </summary>
public sealed class StormRun(FleetOptions options, string restart)
{
    private static readonly TimeSpan Admitted = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    public static string Header =>
        "| store | agents | restart s | all polls back s | p50 back s | p90 back s | 503 answered | connections refused |\n"
        + "| --- | --- | --- | --- | --- | --- | --- | --- |";

    public async Task<string> RunAsync(CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(5) };
        var agents = Enumerable
            .Range(0, options.Agents)
            .Select(i => new SimulatedAgent(http, options.Replicas[i % options.Replicas.Count], $"gpu-{i:0000}", []))
            .ToList();
        await Parallel.ForEachAsync(
            agents,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (agent, token) => await agent.EnrollAsync(options.EnrollToken, token)
        );
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = agents.Select(a => Task.Run(() => a.RunAsync(stop.Token), ct)).ToList();
        while (agents.Any(a => a.Polls == 0))
        {
            await Task.Delay(100, ct);
        }

        await Task.Delay(options.Settle, ct);
        var (sheds, refused) = (agents.Sum(a => a.Sheds), agents.Sum(a => a.Reconnections));
        Log($"{options.Agents} agents wait; restarting: {restart}");
        var started = Stopwatch.GetTimestamp();
        using (var shell = Process.Start("/bin/sh", ["-c", restart]))
        {
            await shell.WaitForExitAsync(ct);
        }

        var restarted = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var back = new double?[agents.Count];
        while (back.Any(b => b is null) && Stopwatch.GetElapsedTime(started) < Limit)
        {
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < agents.Count; i++)
            {
                var inFlight = agents[i].PollSentAt; // a stopping replica answers 204 at once: only a waiting poll counts
                if (back[i] is null && inFlight >= started && Stopwatch.GetElapsedTime(inFlight, now) >= Admitted)
                {
                    back[i] = Stopwatch.GetElapsedTime(started, inFlight).TotalSeconds;
                }
            }

            await Task.Delay(100, ct);
        }

        await stop.CancelAsync();
        await Task.WhenAll(running);
        var times = back.Select(b => b ?? double.NaN).Order().ToList();
        double At(double q) => times[(int)(q * (times.Count - 1))];
        foreach (var failure in agents.Select(a => a.Failure).OfType<string>().Take(5))
        {
            Log("failed: " + failure);
        }

        var all = back.All(b => b is not null)
            ? times[^1].ToString("0.0", CultureInfo.InvariantCulture)
            : $"{back.Count(b => b is null)} not back after {Limit.TotalMinutes} min";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"| {options.Store} | {options.Agents} | {restarted:0.0} | {all} | {At(0.5):0.0} | {At(0.9):0.0} | "
                + $"{agents.Sum(a => a.Sheds) - sheds} | {agents.Sum(a => a.Reconnections) - refused} |"
        );
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");
}
