namespace ComfyDoctor.Core.Registry;

/// <summary>
/// A registry file's text as the YAML parser reads it: refused past <paramref name="maxChars"/> characters, and, for JSON
/// (the first character that is not white space is <c>{</c>), with tabs — legal in JSON only as white space outside
/// strings — read as spaces, which YAML requires.
/// </summary>
internal sealed class BoundedText(TextReader inner, long maxChars, Func<Exception> tooLarge) : TextReader
{
    private long _read;
    private bool? _json;

    public override int Peek() => Map(inner.Peek(), count: false);

    public override int Read() => Map(inner.Read(), count: true);

    public override int Read(char[] buffer, int index, int count)
    {
        var n = inner.Read(buffer, index, count);
        for (var i = index; i < index + n; i++)
        {
            buffer[i] = (char)Map(buffer[i], count: true);
        }

        return n;
    }

    private int Map(int c, bool count)
    {
        if (c < 0)
        {
            return c;
        }

        if (count && ++_read > maxChars)
        {
            throw tooLarge();
        }

        _json ??= char.IsWhiteSpace((char)c) ? null : c == '{';
        return c == '\t' && _json == true ? ' ' : c;
    }
}
