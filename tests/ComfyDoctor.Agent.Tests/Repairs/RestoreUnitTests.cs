using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Tests.Repairs;

/// <summary>
/// Issue 19.4 §2: a snapshot restore (the actions of the <c>match-snapshot</c> unit) that fails half-way leaves the worker as it
/// was — each pack's commit on disk, its branch, the custom_nodes tree and <c>pip freeze</c> of a real venv are compared with
/// before — and the results say which action failed and why, which were undone and which never ran.
/// </summary>
public sealed class RestoreUnitTests : IClassFixture<VenvFixture>, IDisposable
{
    private readonly VenvFixture _venv;
    private readonly Sandbox _sandbox = new();
    private readonly PackRepo _moved;
    private readonly string _old;
    private readonly string _new;

    public RestoreUnitTests(VenvFixture venv)
    {
        _venv = venv;
        _venv.Reset();
        _moved = new PackRepo(_sandbox.Root, "Moved");
        _old = _moved.Write("__init__.py", PackRepo.NodeSource("MovedNode")).Commit("one");
        _new = _moved.Write("requirements.txt", "tinydep==1.0.0\n").Commit("two"); // its requirements change the venv
        _moved.Publish();
        Cli.Git(_sandbox.CustomNodes, "clone", "--quiet", _moved.Url, "Moved");
        Cli.Git(Path.Combine(_sandbox.CustomNodes, "Moved"), "reset", "--quiet", "--hard", _old); // on branch main, at the old commit
    }

    public void Dispose()
    {
        _sandbox.Dispose();
        _venv.Reset();
    }

    private ScanOptions Scan => new(_sandbox.ComfyUi, [], false, 1, null, _venv.Python, "gpu-01") { NvidiaSmi = _sandbox.Combine("none") };

    private static PlannedAction Install(string name, string url, string version) =>
        new(
            RepairActionKinds.InstallNodePack,
            url,
            "node.version-mismatch",
            [],
            $"custom_nodes/{name} at {version}",
            null,
            new PlannedPack(name, url, version, [], null)
        )
        {
            Unit = RepairUnits.MatchSnapshot,
        };

    private static PlannedAction Python(params (string Name, string Version)[] pins) =>
        new(RepairActionKinds.InstallPythonPackages, "python", "python.package-mismatch", [], "pins", null, null)
        {
            Python = new PlannedPython([.. pins.Select(p => new PythonPackage(p.Name, p.Version, PythonInstallKinds.Wheel, null))], false),
            Unit = RepairUnits.MatchSnapshot,
        };

    private Task<IReadOnlyList<ActionResult>> RepairAsync(params PlannedAction[] actions) =>
        RepairAsync(Scan, CancellationToken.None, actions);

    private async Task<IReadOnlyList<ActionResult>> RepairAsync(ScanOptions scan, CancellationToken cancel, params PlannedAction[] actions)
    {
        var seen = await new WorkerScanner().ScanAsync(scan, null, CancellationToken.None);
        var planned = actions.Select(a => a.Before is null ? a with { Before = Preconditions.Current(a, seen) } : a).ToList();
        var urls = actions.Where(a => a.Pack is not null || a.Enable is not null).Select(a => a.Subject).ToArray();
        var options = RepairOptions.Default with { Install = InstallerFactory.Policy(urls) with { PipArgs = _venv.PipArgs } };
        var result = await PlannedRun.RunAsync(options, scan, planned, cancel);
        return result.Repair!.Actions;
    }

    private (IReadOnlyList<string> Tree, IReadOnlyList<string> Freeze, string Head, string Branch) WorkerState()
    {
        var moved = Path.Combine(_sandbox.CustomNodes, "Moved");
        return (
            _sandbox.CustomNodesListing().Where(p => !p.Contains("/.git/", StringComparison.Ordinal)).ToList(), // HEAD checked below
            _venv.Pip("freeze", "--all").Split('\n').Order(StringComparer.Ordinal).ToList(),
            Cli.Git(moved, "rev-parse", "HEAD"),
            Cli.Git(moved, "symbolic-ref", "--short", "HEAD")
        );
    }

    private void AssertAsBefore((IReadOnlyList<string> Tree, IReadOnlyList<string> Freeze, string Head, string Branch) before)
    {
        var after = WorkerState();
        Assert.Equal(before.Tree, after.Tree);
        Assert.Equal(before.Freeze, after.Freeze);
        Assert.Equal((before.Head, before.Branch), (after.Head, after.Branch));
    }

    [Fact]
    public async Task The_second_packs_dead_source_undoes_the_first_pack_and_its_requirements_and_skips_the_rest()
    {
        var before = WorkerState();
        var dead = new Uri(_sandbox.Combine("remote", "Gone.git")).AbsoluteUri; // never published: the source is dead

        var results = await RepairAsync(Install("Moved", _moved.Url, _new), Install("Gone", dead, "1.0.0"), Python(("tinydep", "2.0.0")));

        Assert.Equal([ActionStates.RolledBack, ActionStates.Failed, ActionStates.Skipped], results.Select(r => r.Outcome));
        Assert.StartsWith(
            $"undone because install-node-pack {dead} failed: as before the repair",
            results[0].Message,
            StringComparison.Ordinal
        );
        Assert.Equal((_old, _old), (results[0].Before, results[0].After));
        Assert.Contains("the snapshot restore was undone: 1 action(s) rolled back", results[1].Message, StringComparison.Ordinal);
        Assert.StartsWith(
            $"not attempted: install-node-pack {dead} of this snapshot restore ended failed",
            results[2].Message,
            StringComparison.Ordinal
        );
        AssertAsBefore(before); // Gone/ not left behind; tinydep, which Moved's new requirements installed, gone again
        Assert.Equal((_old, "main"), (before.Head, before.Branch));
    }

    [Fact]
    public async Task A_pinned_wheel_missing_from_the_index_after_a_pack_moved_and_another_was_enabled_undoes_both()
    {
        var disabled = new PackRepo(_sandbox.Root, "Sleeper");
        var sleeper = disabled.Write("__init__.py", PackRepo.NodeSource("SleeperNode")).Commit("one");
        disabled.Publish();
        var from = Path.Combine(_sandbox.CustomNodes, ".disabled", "Sleeper");
        Directory.CreateDirectory(Path.GetDirectoryName(from)!);
        Cli.Git(_sandbox.CustomNodes, "clone", "--quiet", disabled.Url, from);
        var before = WorkerState();
        var enable = new PlannedAction(RepairActionKinds.EnableNodePack, disabled.Url, "node.disabled", [], "enabled", null, null)
        {
            Enable = new PlannedEnable(from, "Sleeper", sleeper, null, []),
            Unit = RepairUnits.MatchSnapshot,
        };

        var results = await RepairAsync(
            Install("Moved", _moved.Url, _new),
            Python(("tinydep", "2.0.0"), ("missing-wheel", "1.0.0")),
            enable
        );

        Assert.True(
            results.Select(r => r.Outcome).SequenceEqual([ActionStates.RolledBack, ActionStates.Failed, ActionStates.RolledBack]),
            string.Join("\n", results.Select(r => $"{r.Outcome}: {r.Message}"))
        );
        Assert.Contains("pip install failed", results[1].Message, StringComparison.Ordinal);
        Assert.Contains("missing-wheel", results[1].Message, StringComparison.Ordinal);
        Assert.Contains("the snapshot restore was undone: 2 action(s) rolled back", results[1].Message, StringComparison.Ordinal);
        Assert.Contains(results[1].Packages, p => p is { Name: "missing-wheel", State: PythonPackageStates.Failed });
        AssertAsBefore(before); // Sleeper back under .disabled/, Moved at its old commit
        Assert.True(Directory.Exists(from));
    }

    [Fact]
    public async Task An_action_of_the_unit_changed_since_planned_stops_the_whole_unit_before_anything_runs()
    {
        var before = WorkerState();
        var python = Python(("tinydep", "2.0.0")) with { Before = new SubjectState(true, Sha256: new string('0', 64)) };

        var results = await RepairAsync(Install("Moved", _moved.Url, _new), python);

        Assert.Equal([ActionStates.Skipped, ActionStates.Changed], results.Select(r => r.Outcome));
        Assert.Contains(
            "install-python-packages python of this snapshot restore ended changed",
            results[0].Message,
            StringComparison.Ordinal
        );
        Assert.EndsWith("nothing of it was done", results[0].Message, StringComparison.Ordinal);
        AssertAsBefore(before);
    }

    [Fact]
    public async Task A_pack_folder_that_is_no_checkout_is_kept_aside_and_put_back_whole()
    {
        var folder = Path.Combine(_sandbox.CustomNodes, "Zipped"); // a registry zip install: no .git to go back with
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        await File.WriteAllTextAsync(Path.Combine(folder, "__init__.py"), "NODE_CLASS_MAPPINGS = {}\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "sub", "data.txt"), "1.0");
        File.CreateSymbolicLink(Path.Combine(folder, "link"), "sub/data.txt");
        var before = _sandbox.CustomNodesListing();
        var undo = new UnitUndo(_sandbox.ComfyUi, null, InstallerFactory.Policy());
        await undo.RecordAsync(0, Install("Zipped", "https://example.invalid/zipped", "2.0.0"), CancellationToken.None);
        Directory.Delete(folder, recursive: true); // what a replacement does
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "__init__.py"), "# 2.0\n");

        Assert.Null(await undo.UndoPackAsync(0));
        undo.Forget();

        Assert.Equal(before, _sandbox.CustomNodesListing());
        Assert.Equal("sub/data.txt", new FileInfo(Path.Combine(folder, "link")).LinkTarget);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_sandbox.ComfyUi, ".comfydoctor", "undo")));
    }

    [Fact]
    public async Task A_repair_cancelled_while_the_python_packages_install_undoes_the_pack_the_unit_had_moved()
    {
        var before = WorkerState();
        var started = _sandbox.Combine("pip-started");
        var python = Path.Combine(_sandbox.Root, "bin", "python");
        Directory.CreateDirectory(Path.GetDirectoryName(python)!);
        // TEST DOUBLE of ComfyUI's interpreter: the real venv Python, except that installing the pinned tinydep hangs (a stuck index).
        await File.WriteAllTextAsync(
            python,
            $"""
            #!/bin/sh
            case "$*" in *"tinydep==2.0.0"*) touch "{started}"; exec sleep 600;; esac
            exec "{_venv.Python}" "$@"
            """
        );
        File.SetUnixFileMode(python, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var cancel = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!File.Exists(started))
            {
                await Task.Delay(50);
            }

            await cancel.CancelAsync();
        });

        var results = await RepairAsync(
            Scan with
            {
                Python = python,
            },
            cancel.Token,
            Install("Moved", _moved.Url, _new),
            Python(("tinydep", "2.0.0"))
        );
        await watcher;

        Assert.Equal([ActionStates.RolledBack, ActionStates.Cancelled], results.Select(r => r.Outcome));
        Assert.StartsWith("undone because install-python-packages python ended cancelled", results[0].Message, StringComparison.Ordinal);
        AssertAsBefore(before);
    }
}
