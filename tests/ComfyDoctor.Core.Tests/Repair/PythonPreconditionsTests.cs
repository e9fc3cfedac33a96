using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Repair;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.Repair;

/// <summary>Issue 19.4: an install-python-packages action runs only while its packages are as the plan saw them.</summary>
public sealed class PythonPreconditionsTests
{
    private static readonly PlannedPython Plan = new(
        [
            new PythonPackage("xformers", "0.0.28", PythonInstallKinds.Wheel, null),
            new PythonPackage("onnx", "1.16.0", PythonInstallKinds.Wheel, null),
        ],
        AllowTorchFamily: false
    );

    private static WorkerInventory Worker(params PythonPackage[]? packages) =>
        new InventoryBuilder().Environment(e => e with { Python = e.Python! with { Packages = packages } }).Build();

    private static PythonPackage Wheel(string name, string version) => new(name, version, PythonInstallKinds.Wheel, null);

    private static RepairPlan Planned(WorkerInventory seen) =>
        new(
            [
                new PlannedAction(RepairActionKinds.InstallPythonPackages, "python", "python.package-mismatch: …", [], "…", null, null)
                {
                    Python = Plan,
                    Before = PythonPreconditions.State(Plan, seen),
                },
            ],
            []
        );

    [Fact]
    public void Unchanged_packages_let_the_action_run_whatever_else_moved()
    {
        var seen = Worker(Wheel("xformers", "0.0.27"), Wheel("numpy", "1.26.4"));

        var verdicts = Preconditions.Judge(Planned(seen), Worker(Wheel("xformers", "0.0.27"), Wheel("numpy", "2.0.0")), 0);

        Assert.Equal([null], verdicts);
    }

    [Fact]
    public void A_planned_package_moved_since_planned_is_reported_with_what_it_is_now()
    {
        var seen = Worker(Wheel("xformers", "0.0.27"));

        var verdicts = Preconditions.Judge(Planned(seen), Worker(Wheel("xformers", "0.0.26"), Wheel("onnx", "1.15.0")), 0);

        Assert.Equal(["the Python packages it changes moved since planned; now: onnx 1.15.0, xformers 0.0.26"], verdicts);
    }

    [Fact]
    public void Packages_that_can_no_longer_be_read_are_a_change()
    {
        var verdicts = Preconditions.Judge(Planned(Worker(Wheel("xformers", "0.0.27"))), Worker(null), 0);

        Assert.Equal(["ComfyUI's Python packages were read when planned and cannot be read now"], verdicts);
    }
}
