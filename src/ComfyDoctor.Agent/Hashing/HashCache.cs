using System.Collections.Concurrent;
using System.Text.Json;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Hashing;

/// <summary>
/// Remembers each file's SHA-256 and format check under its <see cref="FileStamp"/>, so a re-scan of an unchanged
/// file costs one <c>stat</c>. Persisted as JSON, written atomically (temp file + rename); a cache that cannot be
/// read is ignored (everything is re-hashed), never trusted halfway.
/// </summary>
public sealed class HashCache
{
    // Bump when what an entry means changes (how a stamp is taken, how a hash is keyed): every file is hashed again.
    private const int FormatVersion = 3; // 2: stamps carry ctime; 3: pickle/GGUF/safetensors checker rework

    /// <summary>
    /// The format checkers' version: bump whenever a checker changes its verdicts or what it reports. A cached entry from
    /// an older checker keeps its hash and has only its format checked again (a verdict is only as good as the checker
    /// that made it; a hash does not age).
    /// </summary>
    public const int CheckerVersion = 2; // 1: pickle verdicts as strict as torch's weights_only loader, kind and family (issue 17)

    // 2: pickles classified too, from the tensor names and shapes their scan reads (formats re-checked, hashes kept)
    private readonly ConcurrentDictionary<string, CacheEntry> _entries;
    private readonly string? _path;
    private int _changes;

    private HashCache(string? path, ConcurrentDictionary<string, CacheEntry> entries)
    {
        _path = path;
        _entries = entries;
    }

    /// <param name="Checker">The <see cref="CheckerVersion"/> that made <paramref name="Format"/>; 0 in entries from before it.</param>
    public sealed record CacheEntry(FileStamp Stamp, string Sha256, FormatCheck Format, int Checker = 0);

    private sealed record CacheFile(int Version, Dictionary<string, CacheEntry> Entries);

    public int Count => _entries.Count;

    /// <summary>A cache that lives only in memory.</summary>
    public static HashCache InMemory() => new(null, new(StringComparer.Ordinal));

    public static HashCache Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var file = JsonSerializer.Deserialize<CacheFile>(stream, JsonOptions.Default);
            if (file?.Version == FormatVersion && file.Entries is not null)
            {
                return new HashCache(path, new(file.Entries, StringComparer.Ordinal));
            }
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or NotSupportedException)
        {
            // Missing or damaged: start empty. A damaged cache must never yield a wrong hash.
        }

        return new HashCache(path, new(StringComparer.Ordinal));
    }

    public CacheEntry? TryGet(string path, FileStamp stamp) =>
        _entries.TryGetValue(path, out var entry) && entry.Stamp == stamp ? entry : null;

    public void Put(string path, CacheEntry entry)
    {
        _entries[path] = entry;
        Interlocked.Increment(ref _changes);
    }

    /// <summary>Drops entries for files under <paramref name="roots"/> that were not seen in this scan.</summary>
    public void Retain(IReadOnlyCollection<string> seenPaths, IEnumerable<string> roots)
    {
        var seen = seenPaths.ToHashSet(StringComparer.Ordinal);
        var prefixes = roots.Select(r => r.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar).ToList();
        foreach (var key in _entries.Keys)
        {
            if (!seen.Contains(key) && prefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)) && _entries.TryRemove(key, out _))
            {
                Interlocked.Increment(ref _changes);
            }
        }
    }

    public async Task SaveAsync(CancellationToken ct)
    {
        if (_path is null || Volatile.Read(ref _changes) == 0)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        var temp = _path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            await using (
                var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous)
            )
            {
                var snapshot = new CacheFile(FormatVersion, new Dictionary<string, CacheEntry>(_entries, StringComparer.Ordinal));
                await JsonSerializer.SerializeAsync(stream, snapshot, JsonOptions.Default, ct);
                await stream.FlushAsync(ct);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, _path, overwrite: true);
            Interlocked.Exchange(ref _changes, 0);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
