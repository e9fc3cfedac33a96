using Microsoft.Win32.SafeHandles;

namespace ComfyDoctor.Agent.FileSystem;

/// <summary>
/// Opens a model file for reading by its bytes, so a name that is not UTF-8 opens too, and only if it is a regular file:
/// the open never waits (<c>O_NONBLOCK</c>) and what was opened is decided by <c>fstat</c> of the handle, so a file
/// swapped for a FIFO, socket or device after the walk is refused (<see cref="NotAFileException"/>), never read.
/// </summary>
public static class NativeFile
{
    public static SafeFileHandle OpenRead(NativePath path, bool sequential = false)
    {
        if (!Posix.Available)
        {
            return File.OpenHandle(
                path.Text,
                FileMode.Open,
                FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete,
                sequential ? FileOptions.SequentialScan : FileOptions.None
            );
        }

        var handle = Posix.Open(path, out var errno);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw Error(path, errno);
        }

        var status = Posix.Fstat(handle);
        if (!status.Ok || status.Kind != FileKind.Regular)
        {
            handle.Dispose();
            throw status.Ok ? new NotAFileException(path.Text, status.Kind) : Error(path, status.Errno);
        }

        if (sequential)
        {
            Posix.AdviseSequential(handle);
        }

        return handle;
    }

    /// <summary>A stream over <see cref="OpenRead"/>'s handle (closing the stream closes the handle).</summary>
    public static FileStream OpenStream(NativePath path, int bufferSize, bool sequential = false)
    {
        SafeFileHandle? handle = null;
        try
        {
            handle = OpenRead(path, sequential);
            var stream = new FileStream(handle, FileAccess.Read, bufferSize);
            handle = null;
            return stream;
        }
        finally
        {
            handle?.Dispose();
        }
    }

    private static IOException Error(NativePath path, int errno) =>
        errno == Posix.ENOENT
            ? new FileNotFoundException($"Could not find file '{path.Text}'.", path.Text)
            : new IOException($"{path.Text}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}", errno);
}
