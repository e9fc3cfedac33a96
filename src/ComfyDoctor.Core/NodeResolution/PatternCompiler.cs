using System.Text.RegularExpressions;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>
/// Compiles the node map's <c>nodename_pattern</c>s (written for Python and JavaScript) without letting one hang the
/// resolver: the non-backtracking engine when the pattern allows it, else the backtracking one, always with a timeout.
/// </summary>
internal static class PatternCompiler
{
    public static bool TryCompile(string pattern, TimeSpan timeout, out Regex regex, out string error)
    {
        error = "";
        try
        {
            regex = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, timeout);
            return true;
        }
        catch (NotSupportedException)
        {
            // Look-arounds and back-references need the backtracking engine.
        }
        catch (ArgumentException e)
        {
            regex = null!;
            error = e.Message;
            return false;
        }

        try
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant, timeout);
            return true;
        }
        catch (ArgumentException e)
        {
            regex = null!;
            error = e.Message;
            return false;
        }
    }
}
