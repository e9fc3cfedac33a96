using System.Runtime.InteropServices;

namespace ComfyDoctor.Agent.Hashing;

/// <summary>
/// What a cached hash is keyed on besides the path: size, modification time and the file's identity on its volume
/// (device + inode on Linux), so a replaced file with the same size and mtime is still noticed.
/// </summary>
public readonly record struct FileStamp(long Size, long MtimeTicks, ulong Device, ulong Inode)
{
    public static FileStamp Of(FileInfo file)
    {
        var (device, inode) = OperatingSystem.IsLinux() ? LinuxStat.DeviceAndInode(file.FullName) : (0UL, 0UL);
        return new FileStamp(file.Length, file.LastWriteTimeUtc.Ticks, device, inode);
    }
}

/// <summary>glibc <c>stat</c>: on x86_64 and aarch64 Linux <c>st_dev</c> and <c>st_ino</c> are the first two 8-byte fields.</summary>
internal static partial class LinuxStat
{
    private const int StatBufferSize = 256; // larger than struct stat on every 64-bit Linux ABI

    public static (ulong Device, ulong Inode) DeviceAndInode(string path)
    {
        var buffer = new byte[StatBufferSize];
        return Stat(path, buffer) == 0 && Environment.Is64BitProcess
            ? (BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8))
            : (0UL, 0UL);
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, [Out] byte[] buffer);
}
