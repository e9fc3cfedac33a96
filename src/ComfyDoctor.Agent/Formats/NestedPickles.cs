namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Bytes a pickle hands to a loader (<c>pickle.loads</c>, <c>torch.load</c>…), walked as what that loader would read: a
/// zip checkpoint when they start with <c>PK\3\4</c>, else up to five pickles in a row (the legacy torch layout; one for
/// <c>pickle.loads</c>, and the rest are then not pickles). Their globals join the file's; a nested pickle that breaks
/// breaks the file's scan (the loader is a gadget already: the verdict is red either way). What nested pickles take in
/// all, and what nested zips inflate to, comes out of one budget per file (<see cref="PickleImportSet.Nested"/>), so a
/// pickle that hands the same or many payloads to loaders again and again cannot make the scan endless.
/// </summary>
internal static class NestedPickles
{
    private const int MaxPickles = 5;

    public static void Scan(byte[] data, PickleImportSet imports, int depth, PickleGlobal via, CancellationToken ct)
    {
        using var stream = new MemoryStream(data, writable: false);
        try
        {
            if (data.AsSpan().StartsWith("PK\u0003\u0004"u8))
            {
                if (ZipPickles.Walk(stream, imports, imports.Nested, depth, ct) is { } failure)
                {
                    throw failure;
                }

                return;
            }

            var reader = new PickleReader(stream, data.Length);
            for (var i = 0; i < MaxPickles; i++)
            {
                new PickleScanner(reader, imports, depth, ct).ScanOne();
                if (reader.AtEnd || !PickleFileChecker.StartsLikePickle(stream))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is MalformedPickleException or InvalidDataException or ZipRefusedException)
        {
            var failure = e is MalformedPickleException { Failure: PickleFailure.TooLong } ? PickleFailure.TooLong : PickleFailure.Garbled;
            throw new MalformedPickleException(failure, $"the bytes handed to {via} (nested {depth} deep): {e.Message}");
        }
    }
}
