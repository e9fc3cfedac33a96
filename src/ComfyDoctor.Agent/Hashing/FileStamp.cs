using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ComfyDoctor.Agent.Hashing;

/// <summary>
/// What a cached hash is keyed on besides the path: size, modification and change times, and the file's identity on
/// its volume (device + inode), so a replaced file, or one rewritten in place with its mtime put back, is still
/// noticed. On Linux one <c>stat</c> call gives all of it (symlinks followed): <see cref="FileSystem.Posix.Stat"/>.
/// </summary>
public readonly record struct FileStamp(long Size, long MtimeTicks, ulong Device, ulong Inode, long CtimeTicks = 0)
{
    /// <summary>The stamp of the file at <paramref name="path"/> (a symlink's target), or null when it does not exist.</summary>
    public static FileStamp? TryOf(string path) =>
        FileSystem.Posix.Stat(FileSystem.NativePath.Of(path), follow: true) is { Kind: FileSystem.FileKind.Regular } status
            ? status.Stamp
            : null;

    public static FileStamp Of(string path) => TryOf(path) ?? throw new FileNotFoundException("file not found", path);

    public DateTimeOffset ModifiedAt => new(MtimeTicks, TimeSpan.Zero);
}

/// <summary>
/// glibc <c>stat</c> on 64-bit Linux. x86_64 and aarch64 agree on the offsets used here: <c>st_dev</c> 0, <c>st_ino</c> 8,
/// <c>st_size</c> 48, <c>st_mtim</c> 88, <c>st_ctim</c> 104 (each a <c>timespec</c> of two 8-byte fields).
/// </summary>
internal static class LinuxStat
{
    public const int StatBufferSize = 256; // larger than struct stat on every 64-bit Linux ABI

    /// <summary>The stamp in a filled <c>struct stat</c>.</summary>
    public static FileStamp Parse(ReadOnlySpan<byte> span) =>
        new(
            BinaryPrimitives.ReadInt64LittleEndian(span[48..]),
            Ticks(span[88..]),
            BinaryPrimitives.ReadUInt64LittleEndian(span),
            BinaryPrimitives.ReadUInt64LittleEndian(span[8..]),
            Ticks(span[104..])
        );

    /// <summary><c>st_mode</c>: at 24 on x86_64 (after an 8-byte <c>st_nlink</c>), at 16 on aarch64 (before a 4-byte one).</summary>
    public static uint Mode(ReadOnlySpan<byte> span) =>
        BinaryPrimitives.ReadUInt32LittleEndian(span[(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16)..]);

    private static long Ticks(ReadOnlySpan<byte> timespec) =>
        DateTime.UnixEpoch.Ticks
        + (BinaryPrimitives.ReadInt64LittleEndian(timespec) * TimeSpan.TicksPerSecond)
        + (BinaryPrimitives.ReadInt64LittleEndian(timespec[8..]) / 100);
}
