namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// The source files of a pack folder that static readers look at, bounded: at most 5,000 files, none over 2 MB;
/// <c>.git</c>, virtual environments, <c>node_modules</c> and symlinked folders are not entered.
/// </summary>
internal static class PackFiles
{
    private const long MaxFileBytes = 2 << 20;
    private const int MaxFiles = 5000;
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal)
    {
        ".git",
        "venv",
        ".venv",
        "node_modules",
        "__pycache__",
        "site-packages",
    };

    /// <summary>Files under <paramref name="packPath"/> (or the file itself) whose names end in one of
    /// <paramref name="extensions"/>.</summary>
    public static IEnumerable<string> Enumerate(string packPath, params string[] extensions)
    {
        if (File.Exists(packPath))
        {
            return extensions.Any(e =>
                packPath.EndsWith(e, StringComparison.Ordinal) || packPath.EndsWith(e + ".disabled", StringComparison.Ordinal)
            )
                ? [packPath]
                : [];
        }

        var files = new List<string>();
        var pending = new Stack<string>([packPath]);
        while (pending.Count > 0 && files.Count < MaxFiles)
        {
            var dir = pending.Pop();
            try
            {
                foreach (var sub in Directory.EnumerateDirectories(dir))
                {
                    if (!SkippedFolders.Contains(Path.GetFileName(sub)) && new DirectoryInfo(sub).LinkTarget is null)
                    {
                        pending.Push(sub);
                    }
                }

                files.AddRange(
                    Directory
                        .EnumerateFiles(dir)
                        .Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.Ordinal)) && new FileInfo(f).Length <= MaxFileBytes)
                );
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // unreadable folder: skip it
            }
        }

        return files.Take(MaxFiles);
    }

    /// <summary>The text of a file, or null when it cannot be read.</summary>
    public static string? TryRead(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
