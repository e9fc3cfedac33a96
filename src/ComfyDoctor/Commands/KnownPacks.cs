using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Cli.Commands;

/// <summary>
/// What <c>--pack-sources</c> folders (and, for <c>check</c>, the installation's own <c>custom_nodes</c>) and
/// <c>--object-info</c> files say about node types, for the resolver. An unreadable file or folder named on the command
/// line is a <see cref="UsageException"/>; the installation's folder is read when it exists.
/// </summary>
internal static class KnownPacks
{
    public static async Task<IReadOnlyList<KnownPackNodes>> ReadAsync(
        IEnumerable<DirectoryInfo> packSources,
        IEnumerable<FileInfo> objectInfo,
        string? installedPacks,
        CancellationToken ct
    )
    {
        var known = new List<KnownPackNodes>();
        try
        {
            foreach (var folder in packSources)
            {
                known.AddRange(await PackWebCode.ReadAsync(folder.FullName, ct));
            }

            if (installedPacks is not null && Directory.Exists(installedPacks))
            {
                known.AddRange(await PackWebCode.ReadAsync(installedPacks, ct));
            }

            foreach (var file in objectInfo)
            {
                known.AddRange(ObjectInfoReader.ReadFile(file.FullName));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NodeCatalogFormatException)
        {
            throw new UsageException(e.Message, e);
        }

        return known;
    }
}
