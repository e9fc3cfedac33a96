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
        var depth = 0;
        var start = 0;
        for (var i = 0; i < e.Length; i++)
        {
            var c = e[i];
            if (c is '"' or '\'')
            {
                i = PythonSource.StringEnd(e, i) - 1;
            }
            else if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                depth--;
            }
            else if (c == separator && depth == 0)
            {
                parts.Add(e[start..i]);
                start = i + 1;
            }
        }

        parts.Add(e[start..]);
        return parts;
    }
}
