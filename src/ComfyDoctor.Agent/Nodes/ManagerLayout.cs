using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Agent.Nodes;

/// <summary>
/// What ComfyUI-Manager (v3, <c>glob/manager_core.py</c>) leaves on disk: packs it disabled under
/// <c>custom_nodes/.disabled/</c>, named <c>&lt;id&gt;@&lt;version with _ for .&gt;</c> (<c>comfyui-kjnodes@1_0_5</c>,
/// <c>comfyui-kjnodes@nightly</c>) or by the plain folder name for a pack it does not know; the older
/// <c>custom_nodes/&lt;name&gt;.disabled</c>; a <c>.tracking</c> file listing what a registry zip extracted; and
/// <c>.git/.cnr-id</c>, the registry id it writes into a checkout of a registry pack.
/// </summary>
public static class ManagerLayout
{
    public const string DisabledFolder = ".disabled";
    public const string DisabledSuffix = ".disabled";

    /// <summary>The pack id and version of a folder name in <c>.disabled/</c>: <c>x@1_0_5</c> → (<c>x</c>, <c>1.0.5</c>);
    /// <c>x</c> → (<c>x</c>, null).</summary>
    public static (string Name, string? Version) ParseDisabledName(string folderName)
    {
        var at = folderName.LastIndexOf('@');
        if (at <= 0 || at == folderName.Length - 1)
        {
            return (folderName, null);
        }

        var version = folderName[(at + 1)..];
        return version.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '+')
            ? (folderName[..at], version.Replace('_', '.'))
            : (folderName, null);
    }

    /// <summary>The disabled copies of <paramref name="packName"/> in a <c>custom_nodes</c> folder, as paths that exist.</summary>
    public static IReadOnlyList<string> DisabledCopies(string customNodes, string packName)
    {
        var copies = new List<string>();
        if (Directory.Exists(Path.Combine(customNodes, packName + DisabledSuffix)))
        {
            copies.Add(Path.Combine(customNodes, packName + DisabledSuffix));
        }

        var folder = Path.Combine(customNodes, DisabledFolder);
        try
        {
            if (Directory.Exists(folder))
            {
                copies.AddRange(
                    Directory
                        .EnumerateDirectories(folder)
                        .Where(d =>
                            string.Equals(ParseDisabledName(Path.GetFileName(d)).Name, packName, StringComparison.OrdinalIgnoreCase)
                        )
                        .Order(StringComparer.Ordinal)
                );
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // an unreadable .disabled folder hides nothing we could enable
        }

        return copies;
    }

    /// <summary>The facts of one pack folder; null when ComfyUI-Manager left nothing there.</summary>
    public static ManagerFacts? Read(string packFolder, bool inDisabledFolder, string? disabledVersion, PyProject.Facts project)
    {
        var tracking = File.Exists(Path.Combine(packFolder, ".tracking"));
        var registryId = ReadCnrId(packFolder) ?? (tracking ? project.Name?.Trim().ToLowerInvariant() : null);
        var repository =
            project.Repository is { Length: > 0 } url && url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                ? RepoUrl.Normalize(url)
                : null;
        return registryId is null && !tracking && repository is null && !inDisabledFolder && disabledVersion is null
            ? null
            : new ManagerFacts(registryId, tracking, repository, inDisabledFolder, disabledVersion);
    }

    private static string? ReadCnrId(string packFolder)
    {
        try
        {
            var file = new FileInfo(Path.Combine(packFolder, ".git", ".cnr-id"));
            if (!file.Exists || file.Length > 256)
            {
                return null;
            }

            var id = File.ReadAllText(file.FullName).Trim();
            return id.Length > 0 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? id : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
