using System.Text;
using ComfyDoctor.Core.Text;

namespace ComfyDoctor.Agent.FileSystem;

/// <summary>
/// A path as the kernel knows it, bytes, beside its text. .NET decodes file names lossily (an invalid UTF-8 byte becomes
/// U+FFFD, and the name can then neither be opened nor told apart), so the scanner keeps the bytes of every path it
/// walks and opens files by them. <see cref="Text"/> is the path itself when it is valid UTF-8 (<see cref="Exact"/>),
/// else its escaped text (<see cref="FileNameText"/>), which names the file in reports but never opens it.
/// </summary>
public sealed class NativePath
{
    private readonly byte[] _zeroTerminated;

    private NativePath(byte[] zeroTerminated, string text, bool exact)
    {
        _zeroTerminated = zeroTerminated;
        Text = text;
        Exact = exact;
    }

    public string Text { get; }

    public bool Exact { get; }

    /// <summary>The bytes without the terminating NUL.</summary>
    public ReadOnlySpan<byte> Bytes => _zeroTerminated.AsSpan(0, _zeroTerminated.Length - 1);

    /// <summary>The bytes with a terminating NUL, for the C library.</summary>
    internal byte[] ZeroTerminated => _zeroTerminated;

    /// <summary>The bytes in base64 when the path is not valid UTF-8 (what <c>ModelFile.RawPath</c> carries), else null.</summary>
    public string? RawBase64 => Exact ? null : Convert.ToBase64String(Bytes);

    public static NativePath Of(string path)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return new NativePath(bytes, path, true);
    }

    /// <summary>A path of raw bytes (not UTF-8), shown as <paramref name="text"/>.</summary>
    public static NativePath FromBytes(ReadOnlySpan<byte> bytes, string text) => new([.. bytes, 0], text, false);

    /// <summary>This folder's entry <paramref name="name"/>, whose decoded text is <paramref name="text"/>.</summary>
    public NativePath Child(ReadOnlySpan<byte> name, FileNameText.Decoded text)
    {
        var length = _zeroTerminated.Length - 1;
        var separator = length > 0 && _zeroTerminated[length - 1] == (byte)'/' ? 0 : 1;
        var bytes = new byte[length + separator + name.Length + 1];
        _zeroTerminated.AsSpan(0, length).CopyTo(bytes);
        if (separator == 1)
        {
            bytes[length] = (byte)'/';
        }

        name.CopyTo(bytes.AsSpan(length + separator));
        var joint = separator == 1 ? "/" : "";
        return new NativePath(bytes, Text + joint + (text.Exact ?? text.Escaped), Exact && text.Exact is not null);
    }

    public override string ToString() => Text;
}
