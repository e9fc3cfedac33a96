namespace ComfyDoctor.Agent.Nodes;

/// <summary>Lexical helpers for the one-line Python expressions <see cref="PythonConstants"/> evaluates.</summary>
internal static class PythonExpression
{
    /// <summary>A string literal at the start of <paramref name="e"/> (with an optional <c>r</c>/<c>u</c>/<c>f</c> prefix):
    /// its text, the index just past it, and whether it is an f-string. Null when <paramref name="e"/> does not start
    /// with one (bytes are not names).</summary>
    public static (string Text, int End, bool Formatted)? Literal(string e)
    {
        var quote = 0;
        while (quote < e.Length && quote < 2 && e[quote] is 'r' or 'R' or 'u' or 'U' or 'f' or 'F')
        {
            quote++;
        }

        if (quote >= e.Length || e[quote] is not ('"' or '\''))
        {
            return null;
        }

        var end = PythonSource.StringEnd(e, quote);
        var formatted = e[..quote].Contains('f', StringComparison.OrdinalIgnoreCase);
        return (PythonSource.Content(e, quote, end), end, formatted);
    }

    /// <summary>Splits at <paramref name="separator"/> outside brackets and string literals.</summary>
    public static List<string> SplitTopLevel(string e, char separator)
    {
        var parts = new List<string>();
        var start = 0;
        while (FindTopLevel(e, start, e.Length, c => c == separator) is var at and >= 0 && e[at] == separator)
        {
            parts.Add(e[start..at]);
            start = at + 1;
        }

        parts.Add(e[start..]);
        return parts;
    }

    /// <summary>The index of the first character in <paramref name="start"/>..<paramref name="end"/>, outside string
    /// literals and brackets, for which <paramref name="stop"/> holds — or of a closing bracket whose opening bracket is
    /// before <paramref name="start"/>, whichever comes first; -1 when there is neither.</summary>
    public static int FindTopLevel(string text, int start, int end, Func<char, bool> stop)
    {
        var depth = 0;
        for (var i = start; i < end; i++)
        {
            var c = text[i];
            if (c is '"' or '\'')
            {
                i = PythonSource.StringEnd(text, i) - 1;
            }
            else if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}' && depth-- == 0)
            {
                return i;
            }
            else if (depth == 0 && stop(c))
            {
                return i;
            }
        }

        return -1;
    }
}
