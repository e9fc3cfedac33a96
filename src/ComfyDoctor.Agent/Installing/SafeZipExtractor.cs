using System.IO.Compression;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// Extracts a pack zip into a folder with every entry confined to it. The whole archive is checked first — entries
/// with <c>..</c>, absolute or drive paths, backslashes, symlinks, duplicates, or too many bytes are refused — so a bad
/// archive extracts nothing. Writes ComfyUI-Manager's <c>.tracking</c> file: the zip's entry names, one per line.
/// </summary>
public static class SafeZipExtractor
{
    public const string TrackingFileName = ".tracking";
    private const long MaxTotalBytes = 4L << 30;
    private const int MaxEntries = 100_000;
    private const int SymlinkType = 0xA000;

    /// <summary>Extracts <paramref name="zipPath"/> into the existing empty folder <paramref name="target"/>; returns the entry
    /// names.</summary>
    /// <exception cref="InvalidDataException">The archive is unreadable or has an entry that is refused (nothing extracted).</exception>
    public static async Task<IReadOnlyList<string>> ExtractAsync(string zipPath, string target, CancellationToken ct)
    {
        var root = Path.GetFullPath(target).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        using var archive = ZipFile.OpenRead(zipPath);
        var planned = Plan(archive, root, Path.GetFileName(zipPath));

        foreach (var (entry, destination) in planned)
        {
            ct.ThrowIfCancellationRequested();
            if (entry.FullName.EndsWith('/'))
            {
                Directory.CreateDirectory(destination);
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            await using var input = entry.Open();
            await using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            await CopyBoundedAsync(input, output, entry.Length, entry.FullName, ct);
        }

        var names = planned.Select(p => p.Entry.FullName).ToList();
        await File.WriteAllTextAsync(Path.Combine(root, TrackingFileName), string.Join('\n', names), ct);
        return names;
    }

    private static List<(ZipArchiveEntry Entry, string Destination)> Plan(ZipArchive archive, string root, string shown)
    {
        if (archive.Entries.Count > MaxEntries)
        {
            throw new InvalidDataException($"{shown}: {archive.Entries.Count} entries, more than {MaxEntries}");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var planned = new List<(ZipArchiveEntry, string)>();
        long total = 0;
        foreach (var entry in archive.Entries)
        {
            var name = entry.FullName;
            if (CheckName(name) is { } problem)
            {
                throw new InvalidDataException($"{shown}: entry '{Printable(name)}' refused: {problem}; nothing was extracted");
            }

            if (((entry.ExternalAttributes >> 16) & 0xF000) == SymlinkType)
            {
                throw new InvalidDataException($"{shown}: entry '{name}' is a symbolic link; nothing was extracted");
            }

            var destination = Path.GetFullPath(Path.Combine(root, name.TrimEnd('/')));
            if (!destination.StartsWith(root, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{shown}: entry '{name}' would land outside the pack folder; nothing was extracted");
            }

            if (!seen.Add(name.TrimEnd('/')) && !name.EndsWith('/'))
            {
                throw new InvalidDataException($"{shown}: entry '{name}' appears twice (or differs only in case); nothing was extracted");
            }

            total += entry.Length;
            if (total > MaxTotalBytes)
            {
                throw new InvalidDataException($"{shown}: more than {MaxTotalBytes >> 30} GiB once extracted; nothing was extracted");
            }

            planned.Add((entry, destination));
        }

        return planned;
    }

    private static string? CheckName(string name)
    {
        if (name.Length == 0 || name.Length > 1024)
        {
            return "empty or over-long name";
        }

        if (name.Any(char.IsControl) || name.Contains('\\', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal))
        {
            return "backslash, colon or control character in the name";
        }

        if (name.StartsWith('/'))
        {
            return "absolute path";
        }

        var segments = name.TrimEnd('/').Split('/');
        if (segments.Any(s => s is "" or "." or ".."))
        {
            return "'..', '.' or empty path segment";
        }

        return name.TrimEnd('/').Equals(TrackingFileName, StringComparison.Ordinal) ? "the archive may not carry its own .tracking" : null;
    }

    private static async Task CopyBoundedAsync(Stream input, Stream output, long declared, string name, CancellationToken ct)
    {
        var buffer = new byte[81920];
        long written = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            written += read;
            if (written > declared)
            {
                throw new InvalidDataException($"entry '{name}' inflates past its declared size of {declared} bytes");
            }

            await output.WriteAsync(buffer.AsMemory(0, read), ct);
        }
    }

    private static string Printable(string name) => new(name.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
