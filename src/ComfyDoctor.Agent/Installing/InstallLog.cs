using System.Text;

namespace ComfyDoctor.Agent.Installing;

/// <summary>What one pack's install ran and printed; the tail goes into the result for the report.</summary>
internal sealed class InstallLog
{
    private const int MaxLines = 4000;
    private readonly List<string> _lines = [];

    public void Add(string line)
    {
        lock (_lines)
        {
            foreach (var part in Redaction.Redact(line).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
            {
                if (_lines.Count >= MaxLines)
                {
                    _lines.RemoveAt(0);
                }

                _lines.Add(part);
            }
        }
    }

    /// <summary>The last <paramref name="lines"/> non-empty lines, at most <paramref name="maxChars"/> characters.</summary>
    public string Tail(int lines = 40, int maxChars = 6000)
    {
        lock (_lines)
        {
            var text = new StringBuilder();
            foreach (var line in _lines.Where(l => l.Trim().Length > 0).TakeLast(lines))
            {
                text.Append(line).Append('\n');
            }

            return text.Length <= maxChars ? text.ToString() : "..." + text.ToString()[^maxChars..];
        }
    }
}
