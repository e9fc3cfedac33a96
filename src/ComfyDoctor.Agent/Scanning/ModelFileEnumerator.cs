using System.Runtime.InteropServices;
using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;
using ComfyDoctor.Core.Text;

namespace ComfyDoctor.Agent.Scanning;

/// <summary>
/// Walks every model root recursively and yields the model files with their identity, reading each folder as bytes
/// (<c>readdir</c>) so that every entry is seen, whatever its name. Symlinks are followed as ComfyUI follows them
/// (<c>os.walk(followlinks=True)</c>: to files and folders, inside the root or out of it), with two differences: a folder
/// (device + inode) is walked once per root, so a link to a parent folder (<c>a/up → ../..</c>) or to a folder already
/// walked is cut, and folders reached through a link are walked after every real folder, so a file keeps its real name.
/// What is not a model file the scan can read becomes a <see cref="SkippedEntry"/>: FIFOs, sockets and devices named
/// like models (decided from <c>d_type</c>/<c>stat</c>, never opened), link loops, folders that cannot be listed.
/// Skips <c>.git</c> folders and ComfyDoctor's own hidden temp files; a dangling link is nothing (ComfyUI cannot load it).
/// </summary>
public static class ModelFileEnumerator
{
    /// <param name="Path">The path as ComfyUI sees it (a symlink stays a symlink; reading it reads its target).</param>
    public sealed record Found(string Identity, NativePath Path, ModelRoot Root);

    public sealed record Walk(IReadOnlyList<Found> Files, IReadOnlyList<SkippedEntry> Skipped);

    private sealed record Folder(NativePath Path, string Relative);

    public static Walk Enumerate(IEnumerable<ModelRoot> roots)
    {
        var files = new List<Found>();
        var skipped = new List<SkippedEntry>();
        foreach (var root in roots)
        {
            WalkRoot(root, files, skipped);
        }

        return new Walk(files, skipped);
    }

    private static void WalkRoot(ModelRoot root, List<Found> files, List<SkippedEntry> skipped)
    {
        var rootPath = NativePath.Of(root.Path);
        if (Posix.Stat(rootPath, follow: true).Kind != FileKind.Directory)
        {
            return;
        }

        var visited = new HashSet<(ulong Device, ulong Inode)>();
        var pending = new Stack<Folder>();
        var linked = new Queue<Folder>();
        var entries = new List<(byte[] Name, FileKind Kind)>();
        pending.Push(new Folder(rootPath, ""));
        while (pending.Count > 0 || linked.Count > 0)
        {
            var folder = pending.Count > 0 ? pending.Pop() : linked.Dequeue();
            var status = Posix.Stat(folder.Path, follow: true);
            if (status.Kind != FileKind.Directory || !visited.Add((status.Stamp.Device, status.Stamp.Inode)))
            {
                continue; // gone since it was listed, or a folder already walked: a loop or a second link
            }

            entries.Clear();
            var error = Posix.ReadDirectory(folder.Path, entries);
            if (error != 0)
            {
                skipped.Add(
                    new SkippedEntry(
                        Identity(root, folder.Relative),
                        folder.Path.Text,
                        SkipReason.UnreadableFolder,
                        Marshal.GetPInvokeErrorMessage(error)
                    )
                );
                continue;
            }

            entries.Sort(static (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
            foreach (var (name, direntKind) in entries)
            {
                var text = FileNameText.Decode(name);
                var relative = folder.Relative.Length == 0 ? text.Escaped : folder.Relative + "/" + text.Escaped;
                var path = folder.Path.Child(name, text);
                var kind = direntKind == FileKind.Unknown ? Posix.Stat(path, follow: false).Kind : direntKind;
                var throughLink = kind == FileKind.Symlink;
                if (throughLink)
                {
                    var target = Posix.Stat(path, follow: true);
                    if (target.Errno == Posix.ELOOP && IsModelName(text.Escaped))
                    {
                        skipped.Add(
                            new SkippedEntry(
                                Identity(root, relative),
                                path.Text,
                                SkipReason.LinkLoop,
                                Marshal.GetPInvokeErrorMessage(Posix.ELOOP)
                            )
                        );
                    }

                    kind = target.Kind;
                }

                switch (kind)
                {
                    case FileKind.Directory when text.Escaped != ".git":
                        (throughLink ? (Action<Folder>)linked.Enqueue : pending.Push)(new Folder(path, relative));
                        break;
                    case FileKind.Regular when IsModelName(text.Escaped):
                        files.Add(new Found(Identity(root, relative), path, root));
                        break;
                    case FileKind.Fifo or FileKind.Socket or FileKind.CharDevice or FileKind.BlockDevice when IsModelName(text.Escaped):
                        skipped.Add(new SkippedEntry(Identity(root, relative), path.Text, SkipReason.NotAFile, FileKinds.Describe(kind)));
                        break;
                    default:
                        break; // not a model, a dangling link, or .git
                }
            }
        }
    }

    private static bool IsModelName(string name) =>
        ModelFolders.IsModelFile(name) && !name.StartsWith(".comfydoctor", StringComparison.Ordinal);

    private static string Identity(ModelRoot root, string relative) =>
        relative.Length == 0 ? root.FolderKey : root.FolderKey + "/" + relative;
}
