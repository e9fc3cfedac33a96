using System.Globalization;
using ComfyDoctor.FleetLoad;

// A fleet of simulated agents against one running server; prints one Markdown table row of figures.
// dotnet ComfyDoctor.FleetLoad.dll --server URL[,URL…] --admin-token T --enroll-token T --agents N --server-pid PID[,PID…]
//     [--db-pid PID] [--store sqlite] [--settle 20] [--idle 10] [--models N (two workers of N models each, and page times)]
//     [--storm 'RESTART COMMAND' (the agents wait, every replica restarts, how the polls come back)]
// Several servers (replicas on one database, issue 20): agent i is pinned to server i mod count; CPU is summed over them,
// memory is the largest replica's.
if (args is ["--header", ..])
{
    Console.WriteLine(
        args.Contains("--models") ? BigStoreRun.Header
        : args.Contains("--storm") ? StormRun.Header
        : FleetFigures.Header
    );
    return 0;
}

var options = FleetOptions.Parse(args);
if (Array.IndexOf(args, "--storm") is var s and >= 0)
{
    // issue 20: the reconnect storm after every replica restarts (the argument is the shell command that restarts them)
    Console.WriteLine(await new StormRun(options, args[s + 1]).RunAsync(CancellationToken.None));
    return 0;
}

if (Array.IndexOf(args, "--models") is var m and >= 0)
{
    // issue 16.5: two workers with a large shared store each, and the pages an admin opens
    Console.WriteLine(
        await new BigStoreRun(options, int.Parse(args[m + 1], CultureInfo.InvariantCulture)).RunAsync(CancellationToken.None)
    );
    return 0;
}

var figures = await new FleetRun(options).RunAsync(CancellationToken.None);
Console.WriteLine(figures.Row());
return figures.Complete ? 0 : 1;

namespace ComfyDoctor.FleetLoad
{
    public sealed record FleetOptions(
        Uri Server,
        string AdminToken,
        string EnrollToken,
        int Agents,
        int ServerPid,
        int? DbPid,
        string Store,
        TimeSpan Settle,
        TimeSpan Idle
    )
    {
        /// <summary>Every replica given (<see cref="Server"/> is the first), and the process of each.</summary>
        public IReadOnlyList<Uri> Replicas { get; init; } = [Server];

        public IReadOnlyList<int> ReplicaPids { get; init; } = [ServerPid];

        public static FleetOptions Parse(string[] args)
        {
            string Get(string name, string? fallback = null) =>
                Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length
                    ? args[i + 1]
                    : fallback ?? throw new ArgumentException($"{name} is required");
            int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);
            var db = Get("--db-pid", "");
            var replicas = Get("--server").Split(',').Select(u => new Uri(u.TrimEnd('/') + "/")).ToList();
            var pids = Get("--server-pid").Split(',').Select(Int).ToList();
            return new FleetOptions(
                replicas[0],
                Get("--admin-token"),
                Get("--enroll-token"),
                Int(Get("--agents")),
                pids[0],
                db.Length > 0 ? Int(db) : null,
                Get("--store", "sqlite"),
                TimeSpan.FromSeconds(Int(Get("--settle", "20"))),
                TimeSpan.FromSeconds(Int(Get("--idle", "10")))
            )
            {
                Replicas = replicas,
                ReplicaPids = pids,
            };
        }
    }
}
