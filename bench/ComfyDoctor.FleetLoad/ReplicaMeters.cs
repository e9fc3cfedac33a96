namespace ComfyDoctor.FleetLoad;

/// <summary>The server replicas of a run measured together: CPU time summed, memory of the largest (the per-replica limit).
/// </summary>
public sealed class ReplicaMeters(IReadOnlyList<int> pids)
{
    private readonly List<ProcessMeter> _meters = [.. pids.Select(p => new ProcessMeter(p, withChildren: false))];

    public TimeSpan CpuTime() => _meters.Aggregate(TimeSpan.Zero, (sum, m) => sum + m.CpuTime());

    /// <summary>The largest resident set and the largest peak among the replicas, in MiB; each replica's peak goes to stderr.</summary>
    public (double Rss, double Peak) Memory()
    {
        var each = _meters.Select(m => m.Memory()).ToList();
        if (each.Count > 1)
        {
            Console.Error.WriteLine($"peak RSS per replica: {string.Join(", ", each.Select(m => $"{m.Peak:0} MiB"))}");
        }

        return (each.Max(m => m.Rss), each.Max(m => m.Peak));
    }
}
