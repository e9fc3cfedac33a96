using System.Globalization;
using System.Text;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// The text arguments of protocol-0 opcodes, decoded as Python decodes them, so an import cannot hide behind an
/// escape (<c>S'o\x73'</c> is <c>os</c>; <c>Vo\u0073</c> is <c>os</c>). A malformed argument returns null: Python's
/// unpickler would refuse it too.
/// </summary>
internal static class PickleStrings
{
    /// <summary><c>STRING</c>: quoted with <c>'</c> or <c>"</c>, then <c>codecs.escape_decode</c>, then text.</summary>
    public static string? QuotedEscaped(byte[] line)
    {
        if (line.Length < 2 || line[0] != line[^1] || (line[0] != '\'' && line[0] != '"'))
        {
            return null;
        }

        var text = new StringBuilder(line.Length);
        for (var i = 1; i < line.Length - 1; i++)
        {
            var c = (char)line[i];
            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            if (++i >= line.Length - 1)
            {
                return null; // a trailing backslash
            }

            var e = (char)line[i];
            switch (e)
            {
                case '\n':
                    break;
                case 'n':
                    text.Append('\n');
                    break;
                case 't':
                    text.Append('\t');
                    break;
                case 'r':
                    text.Append('\r');
                    break;
                case 'a':
                    text.Append('\a');
                    break;
                case 'b':
                    text.Append('\b');
                    break;
                case 'f':
                    text.Append('\f');
                    break;
                case 'v':
                    text.Append('\v');
                    break;
                case '\\' or '\'' or '"':
                    text.Append(e);
                    break;
                case >= '0' and <= '7':
                    var value = e - '0';
                    for (var n = 0; n < 2 && i + 1 < line.Length - 1 && line[i + 1] is >= (byte)'0' and <= (byte)'7'; n++)
                    {
                        value = (value * 8) + (line[++i] - '0');
                    }

                    text.Append((char)(value & 0xff));
                    break;
                case 'x':
                    if (i + 2 >= line.Length - 1 || !TryHex(line, i + 1, 2, out var hex))
                    {
                        return null;
                    }

                    text.Append((char)hex);
                    i += 2;
                    break;
                default:
                    text.Append('\\').Append(e);
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary><c>UNICODE</c>: <c>raw-unicode-escape</c>, i.e. Latin-1 bytes where only <c>\uXXXX</c> and <c>\UXXXXXXXX</c> are
    /// escapes.</summary>
    public static string? RawUnicodeEscape(byte[] line)
    {
        var text = new StringBuilder(line.Length);
        var backslashes = 0;
        for (var i = 0; i < line.Length; i++)
        {
            var c = (char)line[i];
            if (c is 'u' or 'U' && backslashes % 2 == 1)
            {
                var digits = c == 'u' ? 4 : 8;
                if (!TryHex(line, i + 1, digits, out var code) || code is < 0 or > 0x10FFFF)
                {
                    return null;
                }

                text.Length--; // the backslash that started the escape
                text.Append(char.ConvertFromUtf32(code is >= 0xD800 and <= 0xDFFF ? 0xFFFD : code));
                i += digits;
                backslashes = 0;
                continue;
            }

            backslashes = c == '\\' ? backslashes + 1 : 0;
            text.Append(c);
        }

        return text.ToString();
    }

    private static bool TryHex(byte[] line, int start, int digits, out int value)
    {
        value = 0;
        if (start + digits > line.Length)
        {
            return false;
        }

        var span = Encoding.ASCII.GetString(line, start, digits);
        return int.TryParse(span, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
