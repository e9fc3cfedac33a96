using System.Collections.Concurrent;
using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Agent.Hashing;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Scanning;

/// <summary>
/// Finds the model files under the roots and fills in SHA-256 and format check for each: from the cache when the
/// file's stamp is unchanged (one <c>stat</c>), else by reading it, several files at once. Files are opened by their
/// bytes and only as regular files (<see cref="NativeFile"/>); what the walk or the open finds not to be one is skipped.
/// A cached verdict made by an older format checker (<see cref="HashCache.CheckerVersion"/>) has its format checked again
/// — headers and pickles, never the whole file re-hashed.
/// </summary>
/// <param name="checkFormat">The structural check run on each file that is read (the format checkers).</param>
public sealed class ModelScanner(HashCache cache, FileHasher hasher, Func<NativePath, CancellationToken, FormatCheck> checkFormat)
{
    /// <summary>The model files, and the entries that are not model files the scan could read.</summary>
    public sealed record Result(IReadOnlyList<ModelFile> Models, IReadOnlyList<SkippedEntry> Skipped);

    public async Task<IReadOnlyList<ModelFile>> ScanAsync(
        IReadOnlyList<ModelRoot> roots,
        bool deep,
        int parallelism,
        IProgress<ScanProgress>? progress,
        CancellationToken ct
    ) => (await ScanEntriesAsync(roots, deep, parallelism, progress, ct)).Models;

    public async Task<Result> ScanEntriesAsync(
        IReadOnlyList<ModelRoot> roots,
        bool deep,
        int parallelism,
        IProgress<ScanProgress>? progress,
        CancellationToken ct
    )
    {
        // One stat per file (symlinks followed); a dangling link or a file gone since the walk is not a model, a file
        // that became a FIFO (or a device) since the walk is not one either.
        var walk = ModelFileEnumerator.Enumerate(roots);
        var skipped = new ConcurrentQueue<SkippedEntry>(walk.Skipped);
        var found = new List<ModelFileEnumerator.Found>();
        var stampList = new List<FileStamp>();
        foreach (var file in walk.Files)
        {
            var status = Posix.Stat(file.Path, follow: true);
            if (status.Kind == FileKind.Regular)
            {
                found.Add(file);
                stampList.Add(status.Stamp);
            }
            else if (status.Ok)
            {
                skipped.Enqueue(NotAFile(file, status.Kind));
            }
        }

        var stamps = stampList.ToArray();
        var results = new ModelFile?[found.Count];
        var toHash = new List<int>();
        var stale = new Dictionary<int, HashCache.CacheEntry>(); // hashes kept, formats judged by an older checker
        for (var i = 0; i < found.Count; i++)
        {
            var cached = deep ? null : cache.TryGet(found[i].Path.Text, stamps[i]);
            if (cached is null)
            {
                toHash.Add(i);
            }
            else if (cached.Checker != HashCache.CheckerVersion)
            {
                stale[i] = cached;
            }
            else
            {
                results[i] = ToModel(found[i], stamps[i], cached.Sha256, cached.Format);
            }
        }

        var bytesTotal = stamps.Sum(s => s.Size);
        var bytesToHash = toHash.Sum(i => stamps[i].Size);
        var tracker = new ProgressTracker(progress, found.Count, bytesTotal, bytesToHash, found.Count - toHash.Count - stale.Count);
        tracker.Report();

        await Parallel.ForEachAsync(
            toHash.Concat(stale.Keys),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = ct },
            (i, token) =>
            {
                try
                {
                    results[i] = stale.TryGetValue(i, out var old)
                        ? Recheck(found[i], stamps[i], old, token)
                        : Measure(found[i], stamps[i], tracker, token);
                }
                catch (NotAFileException e)
                {
                    skipped.Enqueue(NotAFile(found[i], e.Kind)); // swapped for a FIFO or a device since its stat
                }

                tracker.FileDone();
                return ValueTask.CompletedTask;
            }
        );

        cache.Retain(found.Select(f => f.Path.Text).ToList(), roots.Select(r => r.Path));
        return new Result(results.OfType<ModelFile>().ToList(), [.. skipped]);
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
        catch (Exception e) when (e is (IOException and not NotAFileException) or UnauthorizedAccessException)
        {
            return ToModel(file, stamp, null, format with { Message = format.Message ?? $"unreadable: {e.Message}" });
        }

        Remember(path, new HashCache.CacheEntry(stamp, sha, format, HashCache.CheckerVersion));
        return ToModel(file, stamp, sha, format);
    }

    /// <summary>A cached hash whose format verdict an older checker made: the format is checked again, the hash kept.</summary>
    private ModelFile Recheck(ModelFileEnumerator.Found file, FileStamp stamp, HashCache.CacheEntry cached, CancellationToken ct)
    {
        var format = checkFormat(file.Path, ct);
        Remember(file.Path, cached with { Format = format, Checker = HashCache.CheckerVersion });
        return ToModel(file, stamp, cached.Sha256, format);
    }

    /// <summary>Only remembers what was read if the file did not change while it was read.</summary>
    private void Remember(NativePath path, HashCache.CacheEntry entry)
    {
        var after = Posix.Stat(path, follow: true);
        if (after.Ok && after.Stamp == entry.Stamp)
        {
            cache.Put(path.Text, entry);
        }
    }

    private static ModelFile ToModel(ModelFileEnumerator.Found file, FileStamp stamp, string? sha, FormatCheck format) =>
        new(file.Identity, file.Path.Text, stamp.Size, stamp.ModifiedAt, sha, format) { RawPath = file.Path.RawBase64 };

    private static SkippedEntry NotAFile(ModelFileEnumerator.Found file, FileKind kind) =>
        new(file.Identity, file.Path.Text, SkipReason.NotAFile, FileKinds.Describe(kind));

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
            progress?.Report(
                new ScanProgress(
                    Volatile.Read(ref _files),
                    files,
                    bytesTotal - bytesToHash + Interlocked.Read(ref _bytes),
                    bytesTotal,
                    bytesToHash
                )
            );
    }
}
