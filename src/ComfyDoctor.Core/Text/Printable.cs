using System.Globalization;
using System.Text;

namespace ComfyDoctor.Core.Text;

/// <summary>
/// The one escaping of untrusted text (file names, messages, worker names) for every human-facing output: the terminal,
/// the dashboard, the logs. Control characters (C0, DEL, C1: ESC, BEL, CSI, OSC, line breaks …) become <c>\xNN</c>; the
/// invisible characters that reorder or hide text (bidirectional overrides and isolates, zero-width marks, line and
/// paragraph separators) and lone surrogates become <c>\uNNNN</c>. Nothing else changes, so a name that needs no escape
/// is returned as it is. JSON output is never passed through this: it stays exact.
/// </summary>
public static class Printable
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        var first = FirstToEscape(text);
        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsSurrogatePair(text, i))
            {
                builder.Append(c).Append(text[++i]);
            }
            else if (c < 0x20 || c is >= '\u007f' and <= '\u009f')
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else if (IsHidden(c) || char.IsSurrogate(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static int FirstToEscape(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x20 || c is >= '\u007f' and <= '\u009f' || IsHidden(c))
            {
                return i;
            }

            if (char.IsSurrogate(c))
            {
                if (!char.IsSurrogatePair(text, i))
                {
                    return i;
                }

                i++;
            }
        }

        return -1;
    }

    /// <summary>Format characters that change how the text around them looks: bidi embeddings, overrides and isolates,
    /// zero-width marks and joiners, the line and paragraph separators, the byte-order mark.</summary>
    private static bool IsHidden(char c) =>
        c
            is '\u061c'
                or '\u200b'
                or '\u200c'
                or '\u200d'
                or '\u200e'
                or '\u200f'
                or >= '\u2028'
                and <= '\u202e'
                or >= '\u2060'
                and <= '\u2069'
                or '\ufeff';
}
