namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// Removes staging folders an interrupted install left behind (the agent killed mid-clone, the machine rebooted).
/// Only folders named <c>.comfydoctor-staging-*.disabled</c> — ours by name — and older than a given age are touched.
/// </summary>
public static class StagingCleanup
{
    /// <summary>Removes stale staging folders under <paramref name="customNodes"/>; returns the names removed.</summary>
    public static IReadOnlyList<string> RemoveStale(string customNodes, TimeSpan olderThan, DateTimeOffset now)
    {
        if (!Directory.Exists(customNodes))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var folder in Directory.EnumerateDirectories(customNodes, InstallRun.StagingPrefix + "*.disabled"))
        {
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget is null && now - info.LastWriteTimeUtc > olderThan && FolderRemover.TryRemove(folder) is null)
            {
                removed.Add(info.Name);
            }
        }

        return removed;
    }
}
