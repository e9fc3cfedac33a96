using System.Text;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// A light lexical pass over Python source, enough for static look-ups: comments dropped, triple-quoted strings
/// (docstrings, embedded examples) emptied, one-line string literals kept as written.
/// </summary>
internal static class PythonSource
{
    /// <summary>The code without comments and with every triple-quoted string replaced by <c>""</c>.</summary>
    public static string Code(string source)
    {
        var code = new StringBuilder(source.Length);
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (c == '#')
            {
                i = source.IndexOf('\n', i) is var eol and >= 0 ? eol : source.Length;
            }
            else if (c is '"' or '\'')
            {
                var end = StringEnd(source, i);
                var triple = IsTriple(source, i);
                code.Append(triple ? "\"\"" : source.AsSpan(i, end - i));
                if (triple)
                {
                    // keep the line count, so anything after the string stays on its own line
                    code.Append('\n', source.AsSpan(i, end - i).Count('\n'));
                }

                i = end;
            }
            else
            {
                code.Append(c);
                i++;
            }
        }

        return code.ToString();
    }

    /// <summary>
    /// The index just past the string literal that opens at <paramref name="start"/> (a quote character). A one-line
    /// string ends at its closing quote or at the end of the line, whichever comes first.
    /// </summary>
    public static int StringEnd(string text, int start)
    {
        var quote = text[start];
        var triple = IsTriple(text, start);
        var i = start + (triple ? 3 : 1);
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\')
            {
                i += 2;
            }
            else if (triple ? c == quote && IsTriple(text, i) : c == quote)
            {
                return i + (triple ? 3 : 1);
            }
            else if (!triple && c == '\n')
            {
                return i;
            }
            else
            {
                i++;
            }
        }

        return text.Length;
    }

    /// <summary>The text between the quotes of a one-line literal spanning <paramref name="start"/>..<paramref name="end"/>.</summary>
    public static string Content(string text, int start, int end) =>
        end - start >= 2 && text[end - 1] == text[start] ? text[(start + 1)..(end - 1)] : text[(start + 1)..end];

    private static bool IsTriple(string text, int i) => i + 2 < text.Length && text[i + 1] == text[i] && text[i + 2] == text[i];
}
