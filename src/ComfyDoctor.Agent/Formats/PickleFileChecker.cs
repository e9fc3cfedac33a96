using System.IO.Compression;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Pickle-based PyTorch files (<c>.ckpt .pt .pth .bin .pkl</c>): a zip archive (torch ≥ 1.6) whose <c>*.pkl</c> members are
/// pickles, or a raw pickle — the legacy format being several pickles in a row followed by raw storage bytes.
/// Every pickle is walked by <see cref="PickleScanner"/>; nothing is ever unpickled.
/// </summary>
public static class PickleFileChecker
{
    /// <summary>Most bytes of one zip member's pickle that are walked (a zip bomb must not run us out of time).</summary>
    public const long MaxMemberBytes = 512L << 20;
    private const int MaxLegacyPickles = 6;

    public static FormatCheck Check(string path, CancellationToken ct)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        Span<byte> magic = stackalloc byte[4];
        var got = file.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        file.Position = 0;
        if (got == 4 && magic.SequenceEqual("PK\u0003\u0004"u8))
        {
            return CheckZip(file, ct);
        }

        if (got == 0 || !LooksLikePickle(magic[0]))
        {
            return FormatCheck.Broken("pickle", got == 0 ? "file is empty" : $"not a pickle or a PyTorch zip (starts with 0x{magic[0]:x2})");
        }

        return CheckRaw(file, ct);
    }

    private static FormatCheck CheckZip(FileStream file, CancellationToken ct)
    {
        var globals = new List<(string, string)>();
        try
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
            var members = zip.Entries.Where(e => e.FullName.EndsWith(".pkl", StringComparison.Ordinal)).ToList();
            if (members.Count == 0)
            {
                return FormatCheck.Broken("zip-pickle", "zip archive without a .pkl member (not a PyTorch checkpoint)");
            }

            foreach (var member in members)
            {
                ct.ThrowIfCancellationRequested();
                using var stream = member.Open();
                var scanner = new PickleScanner(stream, MaxMemberBytes);
                try
                {
                    scanner.ScanOne();
                }
                catch (PickleScanner.MalformedPickleException e)
                {
                    return Verdict("zip-pickle", scanner.Globals.Concat(globals), $"{member.FullName}: {e.Message}", e.Truncated);
                }

                globals.AddRange(scanner.Globals);
            }
        }
        catch (InvalidDataException e)
        {
            return FormatCheck.Broken("zip-pickle", $"damaged zip archive: {e.Message}");
        }

        return Verdict("zip-pickle", globals, null, false);
    }

    private static FormatCheck CheckRaw(FileStream file, CancellationToken ct)
    {
        var globals = new List<(string, string)>();
        for (var i = 0; i < MaxLegacyPickles; i++)
        {
            ct.ThrowIfCancellationRequested();
            var scanner = new PickleScanner(file, file.Length - file.Position);
            try
            {
                scanner.ScanOne();
            }
            catch (PickleScanner.MalformedPickleException e)
            {
                return Verdict("pickle", globals.Concat(scanner.Globals), e.Message, e.Truncated);
            }

            globals.AddRange(scanner.Globals);
            // The legacy torch format continues with more protocol-2 pickles; anything else is raw storage data.
            if (file.Position >= file.Length || file.ReadByte() != 0x80)
            {
                break;
            }

            file.Position--;
        }

        return Verdict("pickle", globals, null, false);
    }

    /// <summary>
    /// Dangerous imports make it unsafe (even when the pickle is also broken). A pickle cut short is invalid (a partial
    /// download); one that cannot be walked for any other reason counts as unsafe, since what follows the error is unknown.
    /// Then imports outside the safe list make it suspicious.
    /// </summary>
    private static FormatCheck Verdict(string format, IEnumerable<(string Module, string Name)> globals, string? malformed, bool truncated)
    {
        var judged = globals.Distinct().Select(g => (Name: $"{g.Module}.{g.Name}", Verdict: PickleImports.Judge(g.Module, g.Name))).ToList();
        var dangerous = judged.Where(g => g.Verdict == PickleImports.Verdict.Dangerous).Select(g => g.Name).ToList();
        if (dangerous.Count > 0)
        {
            return new FormatCheck(format, FormatStatus.Unsafe, $"imports {string.Join(", ", dangerous)}, which run code when the file is loaded", dangerous);
        }

        if (malformed is not null)
        {
            return truncated
                ? FormatCheck.Broken(format, malformed)
                : new FormatCheck(format, FormatStatus.Unsafe, $"could not be scanned to its end ({malformed}); counted as unsafe");
        }

        var unknown = judged.Where(g => g.Verdict == PickleImports.Verdict.Suspicious).Select(g => g.Name).ToList();
        return unknown.Count > 0
            ? new FormatCheck(format, FormatStatus.Suspicious, $"imports outside the safe list: {string.Join(", ", unknown)}", unknown)
            : FormatCheck.Ok(format);
    }

    /// <summary>PROTO, or an opcode a protocol-0/1 pickle can start with.</summary>
    private static bool LooksLikePickle(byte first) => first is 0x80 or (byte)'(' or (byte)'c' or (byte)']' or (byte)'}' or (byte)')'
        or (byte)'l' or (byte)'d' or (byte)'N' or (byte)'I' or (byte)'S' or (byte)'V' or (byte)'K' or (byte)'J' or (byte)'X';
}
