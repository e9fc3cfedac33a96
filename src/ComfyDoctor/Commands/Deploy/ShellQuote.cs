namespace ComfyDoctor.Cli.Commands.Deploy;

/// <summary>POSIX shell quoting for the one command line ssh hands to the far side's shell.</summary>
public static class ShellQuote
{
    /// <summary>The word in single quotes; a single quote inside it as <c>'\''</c>.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));
}
