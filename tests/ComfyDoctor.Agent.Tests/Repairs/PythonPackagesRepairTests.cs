using ComfyDoctor.Agent.Repairs;
using ComfyDoctor.Agent.Scanning;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Repair;

namespace ComfyDoctor.Agent.Tests.Repairs;

/// <summary>
/// Issue 19.4 through the agent's repair runner: a confirmed plan's <c>install-python-packages</c> runs in the interpreter
/// the scan found, under the agent's own pip options, with per-package results and a re-scan that shows the new versions;
/// an action whose packages moved since planned is refused as changed and touches nothing.
/// </summary>
public sealed class PythonPackagesRepairTests : IClassFixture<VenvFixture>, IDisposable
{
    private readonly VenvFixture _venv;
    private readonly Sandbox _sandbox = new();

    public PythonPackagesRepairTests(VenvFixture venv)
    {
        _venv = venv;
        _venv.Reset();
        _venv.Pip("install", "--no-index", "--find-links", _venv.Wheelhouse, "tinydep==1.0.0");
    }

    public void Dispose()
    {
        _sandbox.Dispose();
        _venv.Reset();
    }

    private ScanOptions Scan => new(_sandbox.ComfyUi, [], false, 1, null, _venv.Python, "gpu-01") { NvidiaSmi = _sandbox.Combine("none") };

    private static readonly PlannedPython Plan = new([new PythonPackage("tinydep", "2.0.0", PythonInstallKinds.Wheel, null)], false);

    private async Task<(ActionResult Action, WorkerInventory After)> RepairAsync(Func<WorkerInventory, SubjectState> before)
    {
        var seen = await new WorkerScanner().ScanAsync(Scan, null, CancellationToken.None);
        var action = new PlannedAction(
            RepairActionKinds.InstallPythonPackages,
            "python",
            "python.package-mismatch",
            [],
            "tinydep 2.0.0",
            null,
            null
        )
        {
            Python = Plan,
            Before = before(seen),
        };
        var options = RepairOptions.Default with { Install = InstallerFactory.Policy() with { PipArgs = _venv.PipArgs } };
        var result = await PlannedRun.RunAsync(options, Scan, [action]);
        return (Assert.Single(result.Repair!.Actions), result.Inventory!);
    }

    [Fact]
    public async Task The_planned_versions_are_installed_in_the_scanned_interpreter_and_the_rescan_shows_them()
    {
        var (action, after) = await RepairAsync(seen => PythonPreconditions.State(Plan, seen));

        Assert.Equal(ActionStates.Done, action.Outcome);
        Assert.Equal(_venv.Python, action.Source);
        Assert.Equal(
            new PythonPackageResult("tinydep", "1.0.0", "2.0.0", "2.0.0", PythonPackageStates.Installed),
            Assert.Single(action.Packages)
        );
        Assert.Contains(new PythonPackage("tinydep", "2.0.0", PythonInstallKinds.Wheel, null), after.Environment.Python!.Packages!);
    }

    [Fact]
    public async Task Packages_moved_since_planned_refuse_the_action_and_nothing_is_installed()
    {
        var (action, _) = await RepairAsync(_ => new SubjectState(true, Sha256: new string('0', 64)));

        Assert.Equal(ActionStates.Changed, action.Outcome);
        Assert.Equal("the Python packages it changes moved since planned; now: tinydep 1.0.0; nothing was done", action.Message);
        Assert.Equal("1.0.0", _venv.Snapshot().VersionOf("tinydep"));
    }
}
