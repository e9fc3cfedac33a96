using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Core.Architecture;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Pickle-based PyTorch files (<c>.ckpt .pt .pth .bin .pkl</c>, or whatever name <see cref="ModelFormatChecker"/> found
/// them under), never unpickled, in the three shapes <c>torch.load</c> reads:
/// <list type="bullet">
/// <item><c>zip-pickle</c> (torch ≥ 1.6): a zip archive (<c>PK\3\4</c>, what <c>torch.load</c> tests) whose members
/// ending in <c>.pkl</c> (<c>archive/data.pkl</c>, any folder, any case) are pickles, read as the loaders read them
/// (<see cref="ZipPickles"/>); the tensor bytes are other members and are not read. The declared entry count is checked
/// before the directory is read, and the decompressed bytes walked across all members are capped
/// (<see cref="MaxZipPickleBytes"/>), so a zip bomb ends the scan instead of the memory or the time.</item>
/// <item>legacy torch (&lt; 1.6): five pickles in a row (magic number <c>0x1950a86a20f9469cfc6c</c>, protocol version,
/// system info, the data, the storage keys) followed by raw storage bytes, which are not pickles and are not walked.</item>
/// <item>a raw pickle: one pickle (what <c>pickle.load</c> executes); bytes after its <c>STOP</c> are not code and are
/// ignored — unless it imports nothing and more follows, when the file is walked as the legacy format, since
/// <c>torch.load</c> runs up to five pickles whatever encoding the first (the magic number) uses. A file that starts with neither
/// <c>PROTO</c> (0x80 with protocol 0–5) nor an opcode a protocol-0/1 pickle can start with is "not a pickle".</item>
/// </list>
/// Each pickle is walked by <see cref="PickleScanner"/> (pickles nested in it too) and judged by <see cref="PickleVerdict"/>
/// against torch's weights_only allowlist (<see cref="PickleImports"/>). The same walk gathers the state dict's tensor
/// names and shapes (<see cref="PickleStateDict"/>): a valid file is classified from them (<see cref="ArchitectureClassifier"/>).
/// </summary>
public static class PickleFileChecker
{
    /// <summary>Most decompressed bytes of a zip archive's pickles that are walked, all members together.</summary>
    public const long MaxZipPickleBytes = 512L << 20;

    private static readonly byte[] LegacyMagic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
    private static readonly string[] LegacyPickles = ["magic number", "protocol version", "system info", "data", "storage keys"];

    public static FormatCheck Check(string path, CancellationToken ct = default) => Check(NativePath.Of(path), MaxZipPickleBytes, ct);

    public static FormatCheck Check(NativePath path, CancellationToken ct = default) => Check(path, MaxZipPickleBytes, ct);

    internal static FormatCheck Check(string path, long zipBudget, CancellationToken ct) => Check(NativePath.Of(path), zipBudget, ct);

    internal static FormatCheck Check(NativePath path, long zipBudget, CancellationToken ct)
    {
        using var file = NativeFile.OpenStream(path, 1 << 16, sequential: true);
        var head = new byte[LegacyMagic.Length];
        head = head[..file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        file.Position = 0;
        if (head.AsSpan().StartsWith("PK\u0003\u0004"u8) || head.AsSpan().StartsWith("PK\u0005\u0006"u8))
        {
            return CheckZip(file, new ScanBudget(zipBudget), ct);
        }

        if (head.Length == 0)
        {
            return FormatCheck.Broken("pickle", "file is empty");
        }

        if (head[0] == 0x80 && (head.Length < 2 || head[1] > 5))
        {
            return FormatCheck.Broken(
                "pickle",
                head.Length < 2
                    ? "truncated: the file is one byte (PROTO without its protocol)"
                    : $"not a pickle (PROTO names protocol {head[1]}; 0–5 exist)"
            );
        }

        return CanStart(head[0], head.AsSpan(1))
            ? CheckRaw(file, head[0] == 0x80, head.AsSpan().SequenceEqual(LegacyMagic), ct)
            : FormatCheck.Broken("pickle", $"not a pickle or a PyTorch zip archive (starts with 0x{head[0]:x2})");
    }

    /// <summary>
    /// One pickle; or, when the first imports nothing and more bytes follow (a legacy torch file's magic number, in
    /// whatever encoding), the up to five pickles <c>torch.load</c> runs, so nothing hides behind a harmless first one.
    /// </summary>
    private static FormatCheck CheckRaw(FileStream file, bool proto, bool legacy, CancellationToken ct)
    {
        var reader = new PickleReader(file, long.MaxValue);
        var globals = new PickleImportSet();
        for (var i = 0; i < LegacyPickles.Length; i++)
        {
            if (i > 0 && !legacy && !StartsLikePickle(file))
            {
                break; // data after a pickle, not another pickle
            }

            var scanner = new PickleScanner(reader, globals, ct: ct);
            try
            {
                scanner.ScanOne();
            }
            catch (MalformedPickleException e)
            {
                if (i == 0 && !proto && globals.Items.Count == 0)
                {
                    // A protocol-0 guess that fails before importing anything: text or binary that happens to start like a pickle.
                    return FormatCheck.Broken("pickle", $"not a pickle ({e.Message})");
                }

                var where =
                    i == 0 ? null
                    : legacy ? $"the legacy PyTorch {LegacyPickles[i]} pickle"
                    : $"pickle {i + 1} of the file";
                return PickleVerdict.Judge("pickle", globals, where, e);
            }

            if ((i == 0 && globals.Items.Count > 0 && !legacy) || reader.AtEnd)
            {
                if (legacy && reader.AtEnd && i < LegacyPickles.Length - 1)
                {
                    var cut = new MalformedPickleException(
                        PickleFailure.Truncated,
                        $"truncated: the file ends after {i + 1} of the {LegacyPickles.Length} pickles of the legacy PyTorch format"
                    );
                    return PickleVerdict.Judge("pickle", globals, null, cut);
                }

                break; // an ordinary pickle: whatever follows it is never loaded
            }
        }

        return Classified(PickleVerdict.Judge("pickle", globals, null, null), globals);
    }

    /// <summary>
    /// A sound pickle gets the kind and family its state dict's tensor names (and shapes where seen) say, from the same
    /// walk; a verdict that is not <see cref="FormatStatus.Valid"/> is kept as it is, unclassified.
    /// </summary>
    private static FormatCheck Classified(FormatCheck check, PickleImportSet imports) =>
        check.Status == FormatStatus.Valid
            ? check with
            {
                Architecture = ArchitectureClassifier.Classify(imports.StateDict.Tensors()),
            }
            : check;

    /// <summary>PROTO with a protocol Python knows, or an opcode a protocol-0/1 pickle can start with.</summary>
    internal static bool CanStart(byte first, ReadOnlySpan<byte> next) =>
        first == 0x80 ? next.Length > 0 && next[0] <= 5 : "(NIFLSVPKJMGTUX]})c"u8.Contains(first);

    internal static bool StartsLikePickle(Stream file)
    {
        Span<byte> head = stackalloc byte[2];
        var got = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        file.Position -= got;
        return got > 0 && CanStart(head[0], head[1..got]);
    }

    private static FormatCheck CheckZip(FileStream file, ScanBudget budget, CancellationToken ct)
    {
        const string Format = "zip-pickle";
        var imports = new PickleImportSet();
        try
        {
            return Classified(PickleVerdict.Judge(Format, imports, null, ZipPickles.Walk(file, imports, budget, 0, ct)), imports);
        }
        catch (ZipRefusedException e)
        {
            return FormatCheck.Broken(Format, e.Message);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            return PickleVerdict.Judge(
                Format,
                imports,
                null,
                new MalformedPickleException(PickleFailure.Damaged, $"damaged or truncated zip archive: {e.Message}")
            );
        }
    }
}
