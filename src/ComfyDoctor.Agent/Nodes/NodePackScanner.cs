using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// Lists the node packs of a <c>custom_nodes</c> folder as ComfyUI's loader sees them: every folder and every
/// <c>.py</c> file, except hidden ones and <c>__pycache__</c>; names ending in <c>.disabled</c> are kept, marked disabled.
/// Git facts, <c>pyproject.toml</c> and node class names are read for each, several packs at once.
/// </summary>
public static class NodePackScanner
{
    private const string DisabledSuffix = ".disabled";

    public static async Task<IReadOnlyList<NodePack>> ScanAsync(string customNodesDir, CancellationToken ct)
    {
        if (!Directory.Exists(customNodesDir))
        {
            return [];
        }

        var entries = new DirectoryInfo(customNodesDir).EnumerateFileSystemInfos()
            .Where(e => !e.Name.StartsWith('.') && e.Name != "__pycache__"
                        && (e is DirectoryInfo || e.Name.EndsWith(".py", StringComparison.Ordinal) || e.Name.EndsWith(".py" + DisabledSuffix, StringComparison.Ordinal)))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToList();

        var packs = new NodePack[entries.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, entries.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
            async (i, token) => packs[i] = await ReadPackAsync(entries[i], token));
        return packs;
    }

    private static async Task<NodePack> ReadPackAsync(FileSystemInfo entry, CancellationToken ct)
    {
        var disabled = entry.Name.EndsWith(DisabledSuffix, StringComparison.Ordinal);
        var name = disabled ? entry.Name[..^DisabledSuffix.Length] : entry.Name;
        if (entry is not DirectoryInfo dir)
        {
            return new NodePack(name, entry.FullName, true, disabled, null, null, null, [.. NodeClassScanner.Scan(entry.FullName)]);
        }

        var git = await GitFactsReader.ReadAsync(dir.FullName, ct);
        var (projectName, projectVersion) = PyProject.ReadFile(Path.Combine(dir.FullName, "pyproject.toml"));
        return new NodePack(name, dir.FullName, false, disabled, git, projectName, projectVersion, [.. NodeClassScanner.Scan(dir.FullName)]);
    }
}
