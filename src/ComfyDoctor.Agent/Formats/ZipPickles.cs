namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// A zip archive's pickles, as torch's zip reader would find them: <c>torch.load</c> reads <c>&lt;top folder&gt;/data.pkl</c>
/// whatever the top folder is called, and miniz looks names up without regard to case, so every member whose name ends
/// in <c>.pkl</c> (any case, any folder) is walked; so is every <c>.npy</c> member (a NumPy <c>.npz</c>, whose object arrays
/// are pickles). Members are read as the loaders read them (<see cref="ZipMemberData"/>): a bad CRC does not stop the
/// walk (torch never checks it); a member whose local header describes other data is walked both ways; a member the
/// loaders refuse (marked encrypted, an unknown method) is a problem of its own, and one marked encrypted is still
/// walked for what it would import (really encrypted bytes break the walk: that is no further finding). The decompressed bytes walked
/// across all members are capped (<see cref="ScanBudget"/>).
/// </summary>
internal static class ZipPickles
{
    /// <summary>Most entries a zip archive may declare (a PyTorch checkpoint has one per tensor storage, plus a few).</summary>
    public const ulong MaxEntries = 200_000;

    /// <summary>What an archive without a <c>.pkl</c> or <c>.npy</c> member is called.</summary>
    public const string NoPickle = "zip archive without a .pkl member (not a PyTorch checkpoint)";

    /// <summary>
    /// Walks the archive into <paramref name="imports"/>. Returns the first pickle that breaks (then the walk stops) or
    /// else the first member the loaders could not read; null when all is sound. A damaged directory throws
    /// <see cref="InvalidDataException"/>, an archive not worth reading <see cref="ZipRefusedException"/>.
    /// </summary>
    public static MalformedPickleException? Walk(Stream file, PickleImportSet imports, ScanBudget budget, int depth, CancellationToken ct)
    {
        var (members, shift) = ZipDirectory.Read(file, MaxEntries);
        var walked = members.Where(m => IsPickle(m) || IsArray(m)).ToList();
        if (walked.Count == 0)
        {
            throw new ZipRefusedException(NoPickle);
        }

        MalformedPickleException? refused = null;
        foreach (var member in walked)
        {
            ct.ThrowIfCancellationRequested();
            var loaded = ZipMemberData.AsLoaderReads(file, member, shift);
            if (loaded is null || loaded.Data is null)
            {
                refused ??= Damaged(
                    member,
                    loaded?.Refusal ?? $"no local header at byte {member.LocalHeaderOffset + shift:N0}, where the directory puts it"
                );
                continue;
            }

            if (WalkData(loaded.Data, member, imports, budget, depth, ct) is { } broken && !member.Unreadable)
            {
                return broken;
            }

            if (ZipMemberData.AsLocalHeaderSays(file, member, shift)?.Data is { } other)
            {
                _ = WalkData(other, member, imports, budget, depth, ct); // another reader's view: its imports count, its damage does not
            }

            if (member.Unreadable)
            {
                refused ??= Damaged(
                    member,
                    $"is marked encrypted (general-purpose flags 0x{member.Flags:x4}); torch's zip reader and Python's zipfile "
                        + "refuse to read it"
                );
            }
        }

        return refused;
    }

    private static bool IsPickle(ZipMember member) => member.Name.EndsWith(".pkl", StringComparison.OrdinalIgnoreCase);

    private static bool IsArray(ZipMember member) => member.Name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);

    private static MalformedPickleException? WalkData(
        Stream data,
        ZipMember member,
        PickleImportSet imports,
        ScanBudget budget,
        int depth,
        CancellationToken ct
    )
    {
        using var buffered = new BufferedStream(data, 1 << 16);
        try
        {
            if (IsArray(member))
            {
                return NpyArrays.Walk(buffered, member.UncompressedSize, imports, budget, depth, ct) is { } problem
                    ? Prefixed(member, problem)
                    : null;
            }

            var reader = new PickleReader(buffered, budget.Left);
            try
            {
                new PickleScanner(reader, imports, depth, ct).ScanOne();
            }
            finally
            {
                budget.Spend(reader.BytesRead);
            }

            return null;
        }
        catch (MalformedPickleException e)
        {
            return Prefixed(member, e);
        }
        catch (InvalidDataException e)
        {
            return Damaged(member, $"damaged compressed data: {e.Message}");
        }
    }

    private static MalformedPickleException Prefixed(ZipMember member, MalformedPickleException e) =>
        new(e.Failure, $"{member.Name}: {e.Message}");

    private static MalformedPickleException Damaged(ZipMember member, string message) =>
        new(PickleFailure.Damaged, $"{member.Name}: {message}");
}

/// <summary>The decompressed bytes a scan still reads, across all the members and pickles of one file.</summary>
internal sealed class ScanBudget(long left)
{
    public long Left { get; private set; } = left;

    public void Spend(long bytes) => Left = Math.Max(0, Left - bytes);
}
