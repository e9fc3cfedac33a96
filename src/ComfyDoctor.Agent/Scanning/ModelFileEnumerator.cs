using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Agent.Scanning;

/// <summary>
/// Walks every model root recursively, following symlinks as ComfyUI does (<c>os.walk(followlinks=True)</c>) but
/// never into the same folder twice, and yields the model files with their identity.
/// Skips <c>.git</c> folders and ComfyDoctor's own hidden temp files.
/// </summary>
public static class ModelFileEnumerator
{
    /// <param name="Path">The path as ComfyUI sees it (a symlink stays a symlink; reading it reads its target).</param>
    public sealed record Found(string Identity, string Path, ModelRoot Root);

    public static IEnumerable<Found> Enumerate(IEnumerable<ModelRoot> roots)
    {
        foreach (var root in roots)
        {
            if (!Directory.Exists(root.Path))
            {
                continue;
            }

            var visited = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<DirectoryInfo>();
            pending.Push(new DirectoryInfo(root.Path));
            while (pending.Count > 0)
            {
                var dir = pending.Pop();
                if (!visited.Add(RealPath(dir)))
                {
                    continue; // a symlink loop or a second link to a folder already walked
                }

                foreach (var entry in SafeEntries(dir).OrderBy(e => e.Name, StringComparer.Ordinal))
                {
                    if (entry is DirectoryInfo sub)
                    {
                        if (sub.Name != ".git")
                        {
                            pending.Push(sub);
                        }
                    }
                    else if (entry is FileInfo file && ModelFolders.IsModelFile(file.Name) && !file.Name.StartsWith(".comfydoctor", StringComparison.Ordinal))
                    {
                        var relative = Path.GetRelativePath(root.Path, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
                        yield return new Found(root.FolderKey + "/" + relative, file.FullName, root);
                    }
                }
            }
        }
    }

    private static List<FileSystemInfo> SafeEntries(DirectoryInfo dir)
    {
        try
        {
            return dir.EnumerateFileSystemInfos().ToList();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return [];
        }
    }

    private static string RealPath(DirectoryInfo dir)
    {
        try
        {
            return dir.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dir.FullName;
        }
        catch (IOException)
        {
            return dir.FullName;
        }
    }
}
