using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// A worker's last inventory as a snapshot (<c>snapshot export</c>, <c>snapshot adopt</c>): ComfyUI's commit; every git
/// checkout under <c>custom_nodes</c> at its commit (disabled ones marked so); every enabled registry install at its version
/// (Manager does not record disabled ones); single-file packs; the interpreter's distributions as <c>pip freeze</c> lines
/// (<c>name==version</c>, <c>name @ url</c>, <c>-e url</c>; not what freeze leaves out: <see cref="PipFreeze"/>); and, for
/// our format, every hashed model file. Sorted by name, so two exports of one state are the same bytes.
/// </summary>
public static class SnapshotOfInventory
{
    public static Snapshot From(WorkerInventory inventory)
    {
        var git = new List<SnapshotGitPack>();
        var cnr = new List<SnapshotCnrPack>();
        var files = new List<SnapshotFilePack>();
        foreach (var pack in inventory.NodePacks.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Path, StringComparer.Ordinal))
        {
            if (pack.IsFile)
            {
                files.Add(new SnapshotFilePack(pack.Disabled ? pack.Name + ".disabled" : pack.Name, pack.Disabled));
            }
            else if (pack.Git is { Remote: { } remote, Commit: { } commit })
            {
                if (!git.Any(g => Nodes.RepoUrl.SameRepo(g.Url, remote)) || !pack.Disabled)
                {
                    git.RemoveAll(g => Nodes.RepoUrl.SameRepo(g.Url, remote)); // an enabled copy wins over a disabled one
                    git.Add(new SnapshotGitPack(remote, commit, pack.Disabled));
                }
            }
            else if (!pack.Disabled && pack.Manager is { RegistryInstall: true, RegistryId: { } id } && pack.ProjectVersion is { } version)
            {
                cnr.Add(new SnapshotCnrPack(id, version));
            }
        }

        var pips = (inventory.Environment.Python?.Packages ?? [])
            .Where(p => !PipFreeze.LeavesOut(PipPin.Normalize(p.Name), inventory.Environment.Python?.Version))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p =>
                p.Installer switch
                {
                    PythonInstallKinds.Url when p.Url is not null => new SnapshotPip(p.Name, p.Url),
                    PythonInstallKinds.Editable when p.Url is not null => new SnapshotPip("-e " + p.Url, ""),
                    _ => new SnapshotPip($"{p.Name}=={p.Version}", ""),
                }
            )
            .ToList();
        var models = inventory
            .Models.Where(m => m.Sha256 is not null)
            .OrderBy(m => m.Identity, StringComparer.Ordinal)
            .Select(m => new SnapshotModel(m.Identity, m.Sha256!.ToLowerInvariant(), m.Size))
            .ToList();
        return new Snapshot(inventory.Environment.ComfyUi?.Commit, git, cnr, files, pips, models);
    }
}
