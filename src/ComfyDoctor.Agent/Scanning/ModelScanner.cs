using ComfyDoctor.Agent.Hashing;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Scanning;

/// <summary>
/// Finds the model files under the roots and fills in SHA-256 and format check for each: from the cache when the
/// file's stamp is unchanged (one <c>stat</c>), else by reading it, several files at once. A cached safetensors or GGUF
/// verdict from before kind/family detection has its header checked again (the header only, once) rather than the whole
/// file re-hashed.
/// </summary>
/// <param name="checkFormat">The structural check run on each file that is read (the format checkers).</param>
public sealed class ModelScanner(HashCache cache, FileHasher hasher, Func<string, CancellationToken, FormatCheck> checkFormat)
{
    public async Task<IReadOnlyList<ModelFile>> ScanAsync(
        IReadOnlyList<ModelRoot> roots, bool deep, int parallelism, IProgress<ScanProgress>? progress, CancellationToken ct)
    {
        // One stat per file (symlinks followed); a dangling link or a file gone since the walk is not a model.
        var found = new List<ModelFileEnumerator.Found>();
        var stampList = new List<FileStamp>();
        foreach (var file in ModelFileEnumerator.Enumerate(roots))
        {
            if (FileStamp.TryOf(file.Path) is { } stamp)
            {
                found.Add(file);
                stampList.Add(stamp);
            }
        }

        var stamps = stampList.ToArray();
        var results = new ModelFile?[found.Count];
        var toHash = new List<int>();
        for (var i = 0; i < found.Count; i++)
        {
            var cached = deep ? null : cache.TryGet(found[i].Path, stamps[i]);
            if (cached is null)
            {
                toHash.Add(i);
            }
            else if (cached.Format is { Architecture: null, Status: FormatStatus.Valid, Format: "safetensors" or "gguf" })
            {
                results[i] = Reclassify(found[i], stamps[i], cached, ct);
            }
            else
            {
                results[i] = ToModel(found[i], stamps[i], cached.Sha256, cached.Format);
            }
        }

        var bytesTotal = stamps.Sum(s => s.Size);
        var bytesToHash = toHash.Sum(i => stamps[i].Size);
        var tracker = new ProgressTracker(progress, found.Count, bytesTotal, bytesToHash, found.Count - toHash.Count);
        tracker.Report();

        await Parallel.ForEachAsync(toHash, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = ct },
            (i, token) =>
            {
                results[i] = Measure(found[i], stamps[i], tracker, token);
                tracker.FileDone();
                return ValueTask.CompletedTask;
            });

        cache.Retain(found.Select(f => f.Path).ToList(), roots.Select(r => r.Path));
        return results.Select(r => r!).ToList();
    }

    private ModelFile Measure(ModelFileEnumerator.Found file, FileStamp stamp, ProgressTracker tracker, CancellationToken ct)
    {
        var path = file.Path;
        var format = checkFormat(path, ct);
        string? sha;
        try
        {
            sha = hasher.Hash(path, tracker.Bytes, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ToModel(file, stamp, null, format with { Message = format.Message ?? $"unreadable: {e.Message}" });
        }

        // Only remember a hash if the file did not change while it was read.
        var after = FileStamp.TryOf(path);
        if (after == stamp)
        {
            cache.Put(path, new HashCache.CacheEntry(stamp, sha, format));
        }

        return ToModel(file, stamp, sha, format);
    }

    private ModelFile Reclassify(ModelFileEnumerator.Found file, FileStamp stamp, HashCache.CacheEntry cached, CancellationToken ct)
    {
        var format = checkFormat(file.Path, ct);
        if (FileStamp.TryOf(file.Path) == stamp)
        {
            cache.Put(file.Path, cached with { Format = format });
        }

        return ToModel(file, stamp, cached.Sha256, format);
    }

    private static ModelFile ToModel(ModelFileEnumerator.Found file, FileStamp stamp, string? sha, FormatCheck format) =>
        new(file.Identity, file.Path, stamp.Size, stamp.ModifiedAt, sha, format);

    private sealed class ProgressTracker(IProgress<ScanProgress>? progress, int files, long bytesTotal, long bytesToHash, int filesDone)
    {
        private long _bytes;
        private int _files = filesDone;
        private long _lastReport;

        public void Bytes(long count)
        {
            var now = Interlocked.Add(ref _bytes, count);
            var previous = Interlocked.Read(ref _lastReport);
            if (now - previous >= 64L << 20 && Interlocked.CompareExchange(ref _lastReport, now, previous) == previous)
            {
                Report();
            }
        }

        public void FileDone()
        {
            Interlocked.Increment(ref _files);
            Report();
        }

        public void Report() =>
            progress?.Report(new ScanProgress(Volatile.Read(ref _files), files, bytesTotal - bytesToHash + Interlocked.Read(ref _bytes), bytesTotal, bytesToHash));
    }
}
