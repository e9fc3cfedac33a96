using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace ComfyDoctor.Agent.Transfers;

/// <summary>What a transfer must produce, and where.</summary>
/// <param name="Destination">The final path (already confined to its model root by the caller).</param>
/// <param name="Sha256">The registry's hash: the only proof that counts.</param>
/// <param name="Size">The registry's size when known (checked up front and against the server's length).</param>
public sealed record TransferTarget(string Destination, string Sha256, long? Size)
{
    /// <summary>The model root the destination must stay inside, checked again when the partial is opened and before the
    /// rename, so a folder swapped for a symlink during the transfer cannot carry a write out of it; null = not confined.</summary>
    public string? Root { get; init; }
}

/// <summary>Where a transfer reads from: an http(s) or file URL, and the request headers it needs (a gated host's token,
/// a peer's blob token). Headers are never logged.</summary>
public sealed record TransferSource(Uri Uri, IReadOnlyDictionary<string, string> Headers)
{
    public static implicit operator TransferSource(Uri uri) => new(uri, new Dictionary<string, string>());

    public override string ToString() => Uri.ToString();
}

/// <summary>Bytes so far, for progress bars.</summary>
public readonly record struct TransferProgress(string Destination, long Bytes, long? Total);

/// <summary>
/// Downloads one model so that the final path only ever holds the old file or the verified new one:
/// free space is checked first; bytes go to a hidden <c>.partial</c> file in the destination folder, hashed as they
/// are written; an interrupted partial is resumed with an HTTP Range request after its bytes are hashed again (a server
/// that ignores the range restarts the file); a stalled read fails; then size and SHA-256 are compared, the file is
/// flushed to disk, a different file already at the destination is moved to quarantine, and the partial is renamed into
/// place atomically. On any failure the partial of a bad source is removed and the destination is untouched.
/// </summary>
/// <param name="bytesPerSecond">A bandwidth limit for each transfer; null = as fast as the source and disk allow.</param>
public sealed class VerifiedDownloader(HttpClient http, TimeSpan stallTimeout, long spaceMargin = 64L << 20, long? bytesPerSecond = null)
{
    private const int BufferSize = 1 << 20;

    /// <summary>What is received, hashed and written at a time: two such blocks per transfer (4 MiB measured faster than 1 MiB;
    /// docs/benchmarks.md, section 6).</summary>
    private const int BlockSize = 4 << 20;

    public static string PartialPath(TransferTarget target) =>
        Path.Combine(
            Path.GetDirectoryName(target.Destination)!,
            $".comfydoctor-{Path.GetFileName(target.Destination)}.{target.Sha256[..16]}.partial"
        );

    public async Task DownloadAsync(
        TransferSource source,
        TransferTarget target,
        Quarantine quarantine,
        IProgress<TransferProgress>? progress,
        CancellationToken ct
    )
    {
        var folder = Path.GetDirectoryName(target.Destination)!;
        RootConfinement.EnsureFolderInside(folder, target);
        Directory.CreateDirectory(folder);
        var partial = PartialPath(target);
        var resumeFrom = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        EnsureSpace(folder, target.Size is { } size ? size - resumeFrom : null);

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            await using (
                var file = new FileStream(
                    partial,
                    FileMode.OpenOrCreate,
                    FileAccess.ReadWrite,
                    FileShare.None,
                    1,
                    FileOptions.SequentialScan
                )
            )
            {
                RootConfinement.EnsureOpenedInside(file, target); // before any byte is read, truncated or written
                resumeFrom = await RehashExistingAsync(file, sha, target, ct);
                await FetchAsync(source, file, sha, resumeFrom, target, progress, ct);
                file.Flush(flushToDisk: true);
            }

            var actual = Convert.ToHexStringLower(sha.GetHashAndReset());
            if (!string.Equals(actual, target.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new TransferException(
                    $"{source}: SHA-256 of the download is {actual[..12]}…, the registry says {target.Sha256[..12]}…; nothing was replaced"
                );
            }

            RootConfinement.EnsureFolderInside(folder, target); // the folder may have been swapped while the bytes came
            if (File.Exists(target.Destination))
            {
                quarantine.KeepBeforeReplace(target.Destination); // still in place: the rename below replaces it atomically
            }

            File.Move(partial, target.Destination, overwrite: true);
        }
        catch (TransferException e)
        {
            // A partial that was merely interrupted stays for a resume; one that is wrong, or empty, is removed.
            if (!e.OutsideRoot && (!e.Resumable || !File.Exists(partial) || new FileInfo(partial).Length == 0))
            {
                TryDelete(partial);
            }

            throw;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // The source could not be reached: a partial from an earlier run stays for the next try.
            if (!File.Exists(partial) || new FileInfo(partial).Length == 0)
            {
                TryDelete(partial);
            }

            throw new TransferException(
                $"{source}: {(e is TaskCanceledException ? $"no answer within {stallTimeout.TotalSeconds:0} s" : e.Message)}; "
                    + "nothing was replaced",
                e
            );
        }
        catch (IOException e)
        {
            TryDelete(partial);
            throw new TransferException($"{target.Destination}: {e.Message}; nothing was replaced", e);
        }
    }

    /// <summary>The bytes of an earlier partial are hashed again before they are reused; longer than expected → start over.</summary>
    private static async Task<long> RehashExistingAsync(FileStream file, IncrementalHash sha, TransferTarget target, CancellationToken ct)
    {
        if (file.Length == 0 || (target.Size is { } size && file.Length >= size))
        {
            file.SetLength(0);
            return 0;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await file.ReadAsync(buffer.AsMemory(0, BufferSize), ct)) > 0)
            {
                sha.AppendData(buffer, 0, read);
            }

            return file.Length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task FetchAsync(
        TransferSource from,
        FileStream file,
        IncrementalHash sha,
        long resumeFrom,
        TransferTarget target,
        IProgress<TransferProgress>? progress,
        CancellationToken ct
    )
    {
        var source = from.Uri;
        if (source.IsFile)
        {
            await CopyLocalAsync(source, file, sha, resumeFrom, target, progress, ct);
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, source);
        foreach (var (name, value) in from.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (resumeFrom > 0)
        {
            request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
        }

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(stallTimeout);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token);
        if (response.StatusCode == HttpStatusCode.OK && resumeFrom > 0)
        {
            // The server ignored the range: start the file again.
            file.SetLength(0);
            sha.GetHashAndReset();
            resumeFrom = 0;
        }
        else if (response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From != resumeFrom)
        {
            throw new TransferException(
                $"{source}: asked for bytes from {resumeFrom:N0}, got a range from {response.Content.Headers.ContentRange?.From}"
            );
        }
        else if (!response.IsSuccessStatusCode)
        {
            var why = await AnswerDetail.ReadAsync(response, stall.Token);
            throw new TransferException($"{source}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}{why}");
        }

        var total = response.Content.Headers.ContentLength is { } length ? resumeFrom + length : (long?)null;
        if (total is { } announced && target.Size is { } expected && announced != expected)
        {
            throw new TransferException($"{source}: the server offers {announced:N0} bytes, the registry says {expected:N0}");
        }

        file.Seek(resumeFrom, SeekOrigin.Begin);
        await CopyAsync(response, file, sha, resumeFrom, total ?? target.Size, target, progress, stall, ct);
        if (target.Size is { } size && file.Length != size)
        {
            throw new TransferException($"{source}: ended after {file.Length:N0} of {size:N0} bytes");
        }
    }

    /// <summary>A folder mirror (an NFS mount, a USB disk): the same partial, resume, hash and checks as over HTTP.</summary>
    private async Task CopyLocalAsync(
        Uri source,
        FileStream file,
        IncrementalHash sha,
        long resumeFrom,
        TransferTarget target,
        IProgress<TransferProgress>? progress,
        CancellationToken ct
    )
    {
        if (!File.Exists(source.LocalPath))
        {
            throw new TransferException($"{source.LocalPath}: not in the mirror folder");
        }

        await using var body = new FileStream(
            source.LocalPath,
            FileMode.Open,
            FileAccess.Read,
            FileShare.Read,
            1,
            FileOptions.SequentialScan
        );
        if (target.Size is { } size && body.Length != size)
        {
            throw new TransferException($"{source.LocalPath}: {body.Length:N0} bytes in the mirror, the registry says {size:N0}");
        }

        body.Seek(resumeFrom, SeekOrigin.Begin);
        file.Seek(resumeFrom, SeekOrigin.Begin);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await CopyAsync(body, source, file, sha, resumeFrom, body.Length, target, progress, stall, ct);
    }

    private async Task CopyAsync(
        HttpResponseMessage response,
        FileStream file,
        IncrementalHash sha,
        long done,
        long? total,
        TransferTarget target,
        IProgress<TransferProgress>? progress,
        CancellationTokenSource stall,
        CancellationToken ct
    )
    {
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await CopyAsync(body, response.RequestMessage?.RequestUri, file, sha, done, total, target, progress, stall, ct);
    }

    private async Task CopyAsync(
        Stream body,
        Uri? source,
        FileStream file,
        IncrementalHash sha,
        long done,
        long? total,
        TransferTarget target,
        IProgress<TransferProgress>? progress,
        CancellationTokenSource stall,
        CancellationToken ct
    )
    {
        var disk = DirectWrites.Open(file);
        var writer = new HashingWriter(sha, (block, token) => WriteAsync(disk, file.Name, block, token), BlockSize);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var first = done;
        try
        {
            while (true)
            {
                await ThrottleAsync(done - first, started, ct);
                var received = done;
                var read = await FillAsync(body, writer, stall, bytes =>
                    progress?.Report(new TransferProgress(target.Destination, received + bytes, total))
                );
                if (read > 0)
                {
                    await writer.WriteAsync(read, ct);
                    done += read;
                    if (target.Size is { } size && done > size)
                    {
                        throw new TransferException($"{source}: sent more than the registry's {size:N0} bytes");
                    }
                }

                if (read < BlockSize)
                {
                    await writer.CompleteAsync();
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TransferException(
                $"{source}: no data for {stallTimeout.TotalSeconds:0} s (stalled) after {done:N0} bytes; kept for a resume",
                resumable: true
            );
        }
        catch (Exception e) when (e is IOException or HttpRequestException && e is not DiskWriteException)
        {
            throw new TransferException(
                $"{source}: connection lost after {done:N0} bytes ({e.Message}); kept for a resume",
                resumable: true,
                e
            );
        }
        finally
        {
            await writer.DisposeAsync(); // no write in flight when direct writes end
            disk.End();
        }
    }

    /// <summary>Reads until the writer's buffer is full or the body ends (whole blocks are what a direct write takes); each
    /// read must bring data within the stall timeout and is reported (<paramref name="received"/>: the block's bytes so far),
    /// so progress and a cancellation keep the pace of the network, not of the blocks. When the body fails mid-block, the
    /// bytes of the block so far are still hashed and written, so a resume continues from the last byte received.</summary>
    private async Task<int> FillAsync(Stream body, HashingWriter writer, CancellationTokenSource stall, Action<int> received)
    {
        var block = writer.Buffer;
        var filled = 0;
        try
        {
            while (filled < block.Length)
            {
                stall.CancelAfter(stallTimeout);
                var read = await body.ReadAsync(block[filled..], stall.Token);
                if (read == 0)
                {
                    break;
                }

                filled += read;
                received(filled);
            }

            return filled;
        }
        catch (Exception) when (filled > 0)
        {
            await KeepAsync(writer, filled);
            throw;
        }
    }

    private static async Task KeepAsync(HashingWriter writer, int count)
    {
        try
        {
            await writer.WriteAsync(count, CancellationToken.None);
            await writer.CompleteAsync();
        }
        catch (IOException)
        {
            // the disk failed too: the partial ends at the last block written, which a resume re-hashes anyway
        }
    }

    /// <summary>With a bandwidth limit: waits until the bytes so far are within the allowed rate.</summary>
    private async Task ThrottleAsync(long bytes, long started, CancellationToken ct)
    {
        if (bytesPerSecond is not { } rate || bytes == 0)
        {
            return;
        }

        var due = TimeSpan.FromSeconds((double)bytes / rate) - System.Diagnostics.Stopwatch.GetElapsedTime(started);
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, ct);
        }
    }

    /// <summary>Writes to the partial; a failure here is the disk's (full, read-only), never the network's.</summary>
    private static async Task WriteAsync(DirectWrites disk, string name, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        try
        {
            await disk.WriteAsync(bytes, ct);
        }
        catch (IOException e)
        {
            throw new DiskWriteException($"{name}: {Describe(e)}", e);
        }
    }

    private sealed class DiskWriteException(string message, Exception inner) : IOException(message, inner);

    private void EnsureSpace(string folder, long? needed)
    {
        if (needed is not { } bytes)
        {
            return;
        }

        var free = new DriveInfo(folder).AvailableFreeSpace;
        if (free < bytes + spaceMargin)
        {
            throw new TransferException(
                $"not enough space in {folder}: {bytes:N0} bytes needed (+{spaceMargin:N0} margin), {free:N0} free; nothing was written"
            );
        }
    }

    private static string Describe(IOException e) =>
        e.Message.Contains("No space", StringComparison.OrdinalIgnoreCase) ? $"disk full while writing ({e.Message})" : e.Message;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // best effort: the next run removes or resumes it
        }
    }
}
