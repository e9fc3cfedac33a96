using System.Runtime.InteropServices;
using ComfyDoctor.Agent.Hashing;
using Microsoft.Win32.SafeHandles;

namespace ComfyDoctor.Agent.FileSystem;

/// <summary>
/// The few C library calls the scanner makes on byte paths (glibc, 64-bit Linux): <c>stat</c>/<c>lstat</c>/<c>fstat</c>,
/// <c>open</c> without blocking, and <c>opendir</c>/<c>readdir</c>. Each failure is its <c>errno</c>, never an exception.
/// </summary>
internal static unsafe partial class Posix
{
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int ELOOP = 40;

    private const int O_RDONLY = 0;
    private const int O_NOCTTY = 0x100;
    private const int O_NONBLOCK = 0x800;
    private const int O_CLOEXEC = 0x80000;
    private const int POSIX_FADV_SEQUENTIAL = 2;

    /// <summary>dirent64: <c>d_ino</c> 0, <c>d_off</c> 8, <c>d_reclen</c> 16, <c>d_type</c> 18, <c>d_name</c> 19.</summary>
    private const int DirentType = 18;
    private const int DirentName = 19;

    [ThreadStatic]
    private static byte[]? t_stat;

    public static bool Available => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    public readonly record struct Status(int Errno, FileKind Kind, FileStamp Stamp)
    {
        public bool Ok => Errno == 0;
    }

    /// <summary><c>stat</c> (symlinks followed) or <c>lstat</c>.</summary>
    public static Status Stat(NativePath path, bool follow)
    {
        if (!Available)
        {
            return PortableFiles.Stat(path.Text, follow);
        }

        var buffer = t_stat ??= new byte[LinuxStat.StatBufferSize];
        var rc = follow ? NativeStat(path.ZeroTerminated, buffer) : NativeLstat(path.ZeroTerminated, buffer);
        return rc == 0 ? Parsed(buffer) : new Status(Marshal.GetLastPInvokeError(), FileKind.Unknown, default);
    }

    public static Status Fstat(SafeFileHandle handle)
    {
        var buffer = t_stat ??= new byte[LinuxStat.StatBufferSize];
        return NativeFstat(handle, buffer) == 0 ? Parsed(buffer) : new Status(Marshal.GetLastPInvokeError(), FileKind.Unknown, default);
    }

    /// <summary>Opens for reading without waiting: a FIFO opened so returns at once instead of waiting for a writer.</summary>
    public static SafeFileHandle Open(NativePath path, out int errno)
    {
        var fd = NativeOpen(path.ZeroTerminated, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    public static void AdviseSequential(SafeFileHandle handle) => _ = NativeFadvise(handle, 0, 0, POSIX_FADV_SEQUENTIAL);

    /// <summary>Every entry of a folder but <c>.</c> and <c>..</c>: name bytes and <c>d_type</c>.</summary>
    public static int ReadDirectory(NativePath path, List<(byte[] Name, FileKind Kind)> entries)
    {
        if (!Available)
        {
            return PortableFiles.ReadDirectory(path.Text, entries);
        }

        var dir = NativeOpendir(path.ZeroTerminated);
        if (dir == IntPtr.Zero)
        {
            return Marshal.GetLastPInvokeError();
        }

        try
        {
            while (true)
            {
                var entry = (byte*)NativeReaddir(dir);
                if (entry is null)
                {
                    return Marshal.GetLastPInvokeError(); // 0 at the end, else the error that cut the listing short
                }

                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry + DirentName);
                if (name is [(byte)'.'] or [(byte)'.', (byte)'.'])
                {
                    continue;
                }

                entries.Add((name.ToArray(), FileKinds.FromDirentType(entry[DirentType])));
            }
        }
        finally
        {
            _ = NativeClosedir(dir);
        }
    }

    /// <summary>The canonical path (<c>realpath(3)</c>: every symlink resolved) as bytes, or null when it cannot be resolved.</summary>
    public static byte[]? RealPath(NativePath path)
    {
        var resolved = NativeRealpath(path.ZeroTerminated, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)resolved).ToArray();
        }
        finally
        {
            NativeMemory.Free((void*)resolved);
        }
    }

    /// <summary><c>rename(2)</c> by bytes: 0, or the errno.</summary>
    public static int Rename(NativePath from, NativePath to) =>
        NativeRename(from.ZeroTerminated, to.ZeroTerminated) == 0 ? 0 : Marshal.GetLastPInvokeError();

    private static Status Parsed(byte[] buffer) => new(0, FileKinds.FromMode(LinuxStat.Mode(buffer)), LinuxStat.Parse(buffer));

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static partial int NativeStat(byte[] path, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true)]
    private static partial int NativeLstat(byte[] path, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int NativeFstat(SafeFileHandle fd, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int NativeOpen(byte[] path, int flags);

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int NativeFadvise(SafeFileHandle fd, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static partial IntPtr NativeRealpath(byte[] path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static partial int NativeRename(byte[] from, byte[] to);

    [LibraryImport("libc", EntryPoint = "opendir", SetLastError = true)]
    private static partial IntPtr NativeOpendir(byte[] path);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static partial IntPtr NativeReaddir(IntPtr dir);

    [LibraryImport("libc", EntryPoint = "closedir")]
    private static partial int NativeClosedir(IntPtr dir);
}
