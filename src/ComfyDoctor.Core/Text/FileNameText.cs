using System.Text;

namespace ComfyDoctor.Core.Text;

/// <summary>
/// A file name read from the disk as bytes, as text. A name in valid UTF-8 is itself, except that a backslash is written
/// <c>\\</c>; each byte of a name that is not valid UTF-8 is written <c>\xNN</c>. So every distinct name has a distinct
/// text (a name made of the characters <c>\xff</c> is <c>\\xff</c>, one holding the byte 0xff is <c>\xff</c>), and the
/// text of such a name cannot be mistaken for a path to open: the bytes travel beside it (<c>ModelFile.RawPath</c>).
/// </summary>
public static class FileNameText
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A name as text.</summary>
    /// <param name="Escaped">The injective text: what an identity is made of.</param>
    /// <param name="Exact">The name itself when it is valid UTF-8 (then it opens the file), else null.</param>
    public readonly record struct Decoded(string Escaped, string? Exact);

    public static Decoded Decode(ReadOnlySpan<byte> name)
    {
        if (IsPlainAscii(name))
        {
            var ascii = Encoding.ASCII.GetString(name);
            return new Decoded(ascii, ascii);
        }

        string text;
        try
        {
            text = Strict.GetString(name);
        }
        catch (DecoderFallbackException)
        {
            return new Decoded(Escaped(name), null);
        }

        return new Decoded(text.Replace("\\", "\\\\", StringComparison.Ordinal), text);
    }

    private static bool IsPlainAscii(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
        {
            if (b >= 0x80 || b == (byte)'\\')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Valid UTF-8 sequences as their characters, every other byte as <c>\xNN</c>, backslashes doubled.</summary>
    private static string Escaped(ReadOnlySpan<byte> name)
    {
        var builder = new StringBuilder(name.Length + 8);
        while (!name.IsEmpty)
        {
            var status = System.Text.Rune.DecodeFromUtf8(name, out var rune, out var consumed);
            if (status == System.Buffers.OperationStatus.Done)
            {
                builder.Append(rune.Value == '\\' ? "\\\\" : rune.ToString());
            }
            else
            {
                consumed = 1;
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{name[0]:x2}");
            }

            name = name[consumed..];
        }

        return builder.ToString();
    }
}
