using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// Lists the node packs of a <c>custom_nodes</c> folder as ComfyUI's loader (<c>init_external_custom_nodes</c>) sees
/// them: every folder (ComfyUI tries each one, and reports IMPORT FAILED for a folder without <c>__init__.py</c>) and
/// every <c>.py</c> file; <c>__pycache__</c> and hidden entries are left out. Names ending in <c>.disabled</c> (folders
/// and <c>x.py.disabled</c> files), which ComfyUI skips, are listed as disabled under the name without the suffix.
/// Git facts, <c>pyproject.toml</c> and node class names are read for each, four packs at a time.
/// </summary>
public static class NodePackScanner
{
    private const string DisabledSuffix = ManagerLayout.DisabledSuffix;
    private const int Parallelism = 4;

    /// <summary>The packs, ordered by folder or file name (ordinal); an absent or unreadable folder has none.</summary>
    public static async Task<IReadOnlyList<NodePack>> ScanAsync(string customNodesDir, CancellationToken ct)
    {
        var entries = Entries(customNodesDir);
        var packs = new NodePack[entries.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, entries.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
            async (i, token) => packs[i] = await ReadPackAsync(entries[i], token)
        );
        return packs;
    }

    private static List<FileSystemInfo> Entries(string customNodesDir)
    {
        try
        {
            return !Directory.Exists(customNodesDir)
                ? []
                : new DirectoryInfo(customNodesDir)
                    .EnumerateFileSystemInfos()
                    .Where(e =>
                        !e.Name.StartsWith('.')
                        && e.Name != "__pycache__"
                        && (
                            IsDirectory(e)
                            || e.Name.EndsWith(".py", StringComparison.Ordinal)
                            || e.Name.EndsWith(".py" + DisabledSuffix, StringComparison.Ordinal)
                        )
                    )
                    .OrderBy(e => e.Name, StringComparer.Ordinal)
                    .Concat(DisabledFolderEntries(customNodesDir))
                    .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The folders of <c>custom_nodes/.disabled/</c> (ComfyUI-Manager keeps only folders there).</summary>
    private static List<FileSystemInfo> DisabledFolderEntries(string customNodesDir)
    {
        var folder = new DirectoryInfo(Path.Combine(customNodesDir, ManagerLayout.DisabledFolder));
        return !folder.Exists
            ? []
            : folder
                .EnumerateFileSystemInfos()
                .Where(e => !e.Name.StartsWith('.') && e.Name != "__pycache__" && IsDirectory(e))
                .OrderBy(e => e.Name, StringComparer.Ordinal)
                .ToList();
    }

    /// <summary>A folder, or a symlink to one (ComfyUI's <c>os.path.isdir</c> follows links).</summary>
    private static bool IsDirectory(FileSystemInfo entry) => entry is DirectoryInfo || Directory.Exists(entry.FullName);

    private static async Task<NodePack> ReadPackAsync(FileSystemInfo entry, CancellationToken ct)
    {
        var inDisabledFolder = Path.GetFileName(Path.GetDirectoryName(entry.FullName)) == ManagerLayout.DisabledFolder;
        var disabled = inDisabledFolder || entry.Name.EndsWith(DisabledSuffix, StringComparison.Ordinal);
        var (name, disabledVersion) = inDisabledFolder
            ? ManagerLayout.ParseDisabledName(entry.Name)
            : (disabled ? entry.Name[..^DisabledSuffix.Length] : entry.Name, null);
        if (!IsDirectory(entry))
        {
            return new NodePack(name, entry.FullName, true, disabled, null, null, null, [.. NodeClassScanner.Scan(entry.FullName)]);
        }

        var git = await GitFactsReader.ReadAsync(entry.FullName, ct);
        var project = PyProject.ReadFactsFile(Path.Combine(entry.FullName, "pyproject.toml"));
        var classes = NodeClassScanner.Scan(entry.FullName);
        return new NodePack(name, entry.FullName, false, disabled, git, project.Name, project.Version, [.. classes])
        {
            Manager = ManagerLayout.Read(entry.FullName, inDisabledFolder, disabledVersion, project),
        };
    }
}
