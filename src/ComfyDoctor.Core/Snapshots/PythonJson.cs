using System.Globalization;
using System.Text;

namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// JSON written byte for byte as Python's <c>json.dump(obj, f, indent=4)</c> writes it — the call ComfyUI-Manager saves
/// snapshots with: four spaces per level, <c>", "</c> never (items end with <c>","</c> and a new line), <c>": "</c> after
/// keys, <c>{}</c> and <c>[]</c> for empty containers, every character outside printable ASCII as a lower-case
/// <c>\uXXXX</c> (<c>ensure_ascii</c>), no new line at the end.
/// </summary>
internal sealed class PythonJson
{
    private readonly StringBuilder text = new();
    private readonly Stack<bool> first = new();

    public override string ToString() => text.ToString();

    public PythonJson Open(char bracket)
    {
        text.Append(bracket);
        first.Push(true);
        return this;
    }

    public PythonJson Close(char bracket)
    {
        var empty = first.Pop();
        if (!empty)
        {
            NewLine(first.Count);
        }

        text.Append(bracket);
        return this;
    }

    /// <summary>Starts an object member; its value follows.</summary>
    public PythonJson Key(string key)
    {
        Item();
        String(key);
        text.Append(": ");
        return this;
    }

    /// <summary>Starts an array element; its value follows.</summary>
    public PythonJson Item()
    {
        if (!first.Pop())
        {
            text.Append(',');
        }

        first.Push(false);
        NewLine(first.Count);
        return this;
    }

    public PythonJson Value(string? value) => value is null ? Raw("null") : String(value);

    public PythonJson Value(bool value) => Raw(value ? "true" : "false");

    public PythonJson Value(long value) => Raw(value.ToString(CultureInfo.InvariantCulture));

    private PythonJson Raw(string literal)
    {
        text.Append(literal);
        return this;
    }

    private PythonJson String(string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                '\b' => text.Append("\\b"),
                '\f' => text.Append("\\f"),
                < ' ' or > '~' => text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }

        text.Append('"');
        return this;
    }

    private void NewLine(int depth) => text.Append('\n').Append(' ', 4 * depth);
}
