using System.Text.RegularExpressions;
using ComfyDoctor.Agent.Nodes;

namespace ComfyDoctor.Agent.Runtime;

/// <summary>
/// ComfyUI's version: <c>comfyui_version.py</c> (<c>__version__ = "x"</c>), else <c>pyproject.toml</c>'s
/// <c>[project] version</c>, else <c>git describe --tags</c> of the root's own checkout with a leading <c>v</c> dropped
/// (<c>v0.3.66-4-gabc1234</c> → <c>0.3.66-4-gabc1234</c>), so the three sources spell a release alike; null if none.
/// </summary>
public static partial class ComfyUiVersionProbe
{
    public static async Task<string?> ReadAsync(string comfyUiRoot, CancellationToken ct)
    {
        if (FromVersionFile(Path.Combine(comfyUiRoot, "comfyui_version.py")) is { } fromFile)
        {
            return fromFile;
        }

        if (PyProject.ReadFile(Path.Combine(comfyUiRoot, "pyproject.toml")).Version is { Length: > 0 } fromProject)
        {
            return fromProject;
        }

        if (
            !GitFactsReader.IsCheckoutTop(comfyUiRoot)
            || await GitFactsReader.QueryAsync(comfyUiRoot, ct, "describe", "--tags") is not { Length: > 0 } described
        )
        {
            return null;
        }

        return described.Length > 1 && described[0] is 'v' or 'V' && char.IsAsciiDigit(described[1]) ? described[1..] : described;
    }

    private static string? FromVersionFile(string file)
    {
        try
        {
            return File.Exists(file) && VersionLine().Match(File.ReadAllText(file)) is { Success: true } match
                ? match.Groups["v"].Value
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^__version__\s*(?::\s*str\s*)?=\s*(?<q>[""'])(?<v>[^""'\n]+)\k<q>", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}
