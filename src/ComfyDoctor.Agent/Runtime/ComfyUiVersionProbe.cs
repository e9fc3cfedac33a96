using System.Text.RegularExpressions;
using ComfyDoctor.Agent.Nodes;

namespace ComfyDoctor.Agent.Runtime;

/// <summary>ComfyUI's version: <c>comfyui_version.py</c> (<c>__version__ = "x"</c>), else <c>pyproject.toml</c>.</summary>
public static partial class ComfyUiVersionProbe
{
    public static string? Read(string comfyUiRoot)
    {
        var file = Path.Combine(comfyUiRoot, "comfyui_version.py");
        try
        {
            if (File.Exists(file) && VersionLine().Match(File.ReadAllText(file)) is { Success: true } match)
            {
                return match.Groups["v"].Value;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // fall through to pyproject.toml
        }

        return PyProject.ReadFile(Path.Combine(comfyUiRoot, "pyproject.toml")).Version;
    }

    [GeneratedRegex(@"^__version__\s*=\s*[""'](?<v>[^""']+)[""']", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}
