using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ComfyDoctor.Agent.Transfers;

/// <summary>
/// Writes a streamed download with <c>O_DIRECT</c> where the file system allows it (Linux, x64/arm64): whole aligned blocks
/// go from the transfer's buffer to the disk without a copy into the page cache, so the kernel spends about half the CPU
/// time a buffered write costs and the final fsync has nothing left to write back (docs/benchmarks.md, section 6). The
/// last, unaligned block is written through the page cache. Where <c>O_DIRECT</c> is refused (ramfs, FUSE file systems without it, other
/// systems) or a direct write fails for any reason, the file is written through the page cache from that point on: the same bytes either
/// way.
/// </summary>
internal sealed partial class DirectWrites
{
    /// <summary>The alignment of offsets, lengths and buffer addresses: 4 KiB covers every logical block size in use.</summary>
    public const int Alignment = 4096;

    private const int GetFlags = 3; // F_GETFL
    private const int SetFlags = 4; // F_SETFL

    private readonly FileStream _file;
    private bool _direct;

    private DirectWrites(FileStream file, bool direct)
    {
        _file = file;
        _direct = direct;
    }

    /// <summary>Whether writes still bypass the page cache.</summary>
    public bool Direct => _direct;

    /// <summary>Starts writing <paramref name="file"/> at its current position, directly when that position is aligned and
    /// the file system accepts <c>O_DIRECT</c>.</summary>
    public static DirectWrites Open(FileStream file) =>
        new(file, file.Position % Alignment == 0 && OpenFlag() is { } flag && Switch(file.SafeFileHandle, flag, on: true));

    /// <summary>Writes <paramref name="chunk"/> at the file's position. A chunk that is not a whole number of aligned
    /// blocks, or not at an aligned address, ends direct writing before it is written.</summary>
    public async Task WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken ct)
    {
        if (_direct && !IsAligned(chunk))
        {
            End();
        }

        try
        {
            await _file.WriteAsync(chunk, ct);
        }
        catch (IOException) when (_direct)
        {
            // A device with a larger block size, a file system that accepts the flag but not the write: nothing was written
            // (the position moves only after a write succeeds), so the chunk goes through the page cache instead. A real
            // failure (a full disk) fails that write too and surfaces from there.
            End();
            await _file.WriteAsync(chunk, ct);
        }
    }

    /// <summary>Back to buffered writes (for the tail, or before the file is flushed and closed).</summary>
    public void End()
    {
        if (_direct && OpenFlag() is { } flag)
        {
            Switch(_file.SafeFileHandle, flag, on: false);
        }

        _direct = false;
    }

    private static unsafe bool IsAligned(ReadOnlyMemory<byte> chunk)
    {
        if (chunk.Length % Alignment != 0)
        {
            return false;
        }

        using var pin = chunk.Pin();
        return (long)pin.Pointer % Alignment == 0;
    }

    /// <summary>The value of <c>O_DIRECT</c> on this machine, or null where it is not used.</summary>
    private static int? OpenFlag() =>
        !OperatingSystem.IsLinux()
            ? null
            : RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 or Architecture.X86 => 0x4000, // 040000
                Architecture.Arm64 or Architecture.Arm => 0x10000, // 0200000
                _ => null,
            };

    private static bool Switch(SafeFileHandle handle, int flag, bool on)
    {
        var flags = Fcntl(handle, GetFlags, 0);
        return flags >= 0 && Fcntl(handle, SetFlags, on ? flags | flag : flags & ~flag) == 0;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(SafeFileHandle handle, int command, int argument);
}
