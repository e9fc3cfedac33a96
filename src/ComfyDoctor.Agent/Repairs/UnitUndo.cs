using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Repairs;

/// <summary>
/// What a unit's actions change, recorded before each runs, and how to put it back (<see cref="RepairUnits"/>): a pack folder
/// that was not there is removed; a checkout is put back on its commit (and branch) and confirmed by <c>rev-parse HEAD</c>;
/// a folder that is no checkout (a registry zip) is copied aside first and moved back; an enabled copy is moved back to its
/// disabled place; ComfyUI's Python packages are put back to the <c>pip list</c> taken before the unit began. Each undo is
/// checked on disk afterwards, never taken on an exit code.
/// </summary>
internal sealed class UnitUndo(string comfyRoot, string? python, InstallPolicy policy)
{
    private readonly InstallLog _log = new();
    private readonly Dictionary<int, PackState> _packs = [];
    private readonly string _aside = Path.Combine(comfyRoot, ".comfydoctor", "undo", Guid.NewGuid().ToString("N")[..12]);
    private PipSnapshot? _pip;

    /// <summary>A pack folder as it was: absent, a checkout at a commit (on a branch or detached), or a folder kept aside.</summary>
    private sealed record PackState(string Folder, bool Existed, string? Head, string? Branch, string? Aside, string? DisabledFrom);

    /// <summary>Reads the Python packages before anything runs; null when that worked, else why the unit cannot run safely.</summary>
    public async Task<string?> BeginAsync(bool changesPython, CancellationToken ct)
    {
        if (!changesPython || python is null)
        {
            return null;
        }

        try
        {
            _pip = await Environment().SnapshotAsync(InstallStage.Requirements, ct);
            return null;
        }
        catch (InstallStepException e)
        {
            return $"ComfyUI's Python packages could not be read, so a failed restore could not be undone: {e.Message}";
        }
    }

    /// <summary>Records the subject of action <paramref name="index"/> as it is now, before it runs.</summary>
    public async Task RecordAsync(int index, PlannedAction action, CancellationToken ct)
    {
        if (action.Enable is { } enable)
        {
            _packs[index] = new PackState(PackEnabler.EnabledPath(enable), false, null, null, null, enable.From);
            return;
        }

        if (action.Pack is not { } pack)
        {
            return;
        }

        var folder = Path.Combine(new InstallContext(comfyRoot, python).CustomNodes, pack.PackName);
        if (!Directory.Exists(folder))
        {
            _packs[index] = new PackState(folder, false, null, null, null, null);
            return;
        }

        if (GitFactsReader.IsCheckoutTop(folder))
        {
            var head = await GitFactsReader.QueryAsync(folder, ct, "rev-parse", "--verify", "--quiet", "HEAD");
            var branch = await GitFactsReader.QueryAsync(folder, ct, "symbolic-ref", "--quiet", "--short", "HEAD");
            _packs[index] = new PackState(folder, true, head, branch is { Length: > 0 } ? branch : null, null, null);
            return;
        }

        var aside = Path.Combine(_aside, pack.PackName);
        FolderCopy.Copy(folder, aside);
        _packs[index] = new PackState(folder, true, null, null, aside, null);
    }

    /// <summary>Puts action <paramref name="index"/>'s pack back; null when it is as before (checked on disk), else what differs.</summary>
    public async Task<string?> UndoPackAsync(int index)
    {
        if (!_packs.TryGetValue(index, out var pack))
        {
            return null;
        }

        var relative = Path.GetRelativePath(comfyRoot, pack.Folder);
        if (pack.DisabledFrom is { } from)
        {
            return NoReplaceRename.Move(pack.Folder, from) is { } problem ? $"{relative} could not be disabled again: {problem}"
                : Path.Exists(from) && !Path.Exists(pack.Folder) ? null
                : $"{relative} is still enabled";
        }

        if (!pack.Existed)
        {
            return FolderRemover.TryRemove(pack.Folder) ?? (Directory.Exists(pack.Folder) ? $"{relative} is still there" : null);
        }

        if (pack.Aside is { } aside)
        {
            var removed = FolderRemover.TryRemove(pack.Folder);
            return removed ?? NoReplaceRename.Move(aside, pack.Folder);
        }

        return await UndoCheckoutAsync(pack, relative);
    }

    /// <summary>ComfyUI's Python packages back to the unit's start; the packages that still differ (empty when none).</summary>
    public async Task<IReadOnlyList<string>> UndoPythonAsync() =>
        _pip is null ? [] : await Environment().RestoreAsync(_pip, CancellationToken.None);

    /// <summary>The version of a Python package before the unit began (null: not installed, or not read).</summary>
    public string? PythonBefore(string name) => _pip?.VersionOf(name);

    /// <summary>Removes what was kept aside (after the unit succeeded, or was undone).</summary>
    public void Forget() => FolderRemover.TryRemove(_aside);

    private async Task<string?> UndoCheckoutAsync(PackState pack, string relative)
    {
        var now = await GitFactsReader.QueryAsync(pack.Folder, CancellationToken.None, "rev-parse", "--verify", "--quiet", "HEAD");
        if (pack.Head is null || string.Equals(now, pack.Head, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            await new GitClient(_log, policy.Mirrors, allowFileProtocol: true).RestoreAsync(
                pack.Folder,
                pack.Branch,
                pack.Head,
                CancellationToken.None
            );
        }
        catch (InstallStepException e)
        {
            return $"{relative} could not be put back on {pack.Head}: {e.Message}";
        }

        now = await GitFactsReader.QueryAsync(pack.Folder, CancellationToken.None, "rev-parse", "--verify", "--quiet", "HEAD");
        return string.Equals(now, pack.Head, StringComparison.OrdinalIgnoreCase) ? null : $"{relative} is at {now}, was {pack.Head}";
    }

    private PythonEnvironment Environment() => new(python!, _log, policy);
}
