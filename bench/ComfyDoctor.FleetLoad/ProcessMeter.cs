using System.Globalization;

namespace ComfyDoctor.FleetLoad;

/// <summary>
/// CPU time and memory of another process (the server, the database cluster) read from <c>/proc</c>: CPU is user + system
/// time of the process, of its live children and of its exited, reaped children; memory is the resident set (VmRSS) and its
/// peak (VmHWM, which writing 5 to <c>clear_refs</c> resets).
/// </summary>
public sealed class ProcessMeter(int pid, bool withChildren)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public int Pid => pid;

    public TimeSpan CpuTime()
    {
        var total = Ticks(pid, reaped: withChildren);
        if (withChildren)
        {
            foreach (var child in Children())
            {
                total += Ticks(child, reaped: true);
            }
        }

        return TimeSpan.FromSeconds(total / TicksPerSecond);
    }

    /// <summary>Resident set and its peak in MiB (the process itself; a database's children share its memory).</summary>
    public (double Rss, double Peak) Memory()
    {
        double rss = 0,
            peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kib(line) / 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kib(line) / 1024;
            }
        }

        return (rss, peak);
    }

    /// <summary>Starts the peak (VmHWM) afresh; false where the kernel does not allow it.</summary>
    public bool ResetPeak()
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static double Kib(string line) =>
        double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>utime + stime (+ cutime + cstime for reaped children), fields 14 to 17 of <c>/proc/PID/stat</c>.</summary>
    private static long Ticks(int pid, bool reaped)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return 0; // a child that just exited
        }

        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return Field(14) + Field(15) + (reaped ? Field(16) + Field(17) : 0);
    }

    private IEnumerable<int> Children()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            var parent = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1];
            if (parent == pid.ToString(CultureInfo.InvariantCulture))
            {
                yield return candidate;
            }
        }
    }
}
