using ComfyDoctor.Core.Comparison;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.Comparison;

/// <summary>Issue 19.1: ComfyUI's commit and the interpreter's packages as lines of a comparison.</summary>
public sealed class PackageComparisonTests
{
    private static WorkerInventory Worker(string name, ComfyUiCheckout? comfy, params PythonPackage[]? packages) =>
        new InventoryBuilder().Environment(e => e with { ComfyUi = comfy, Python = e.Python! with { Packages = packages } }).Build() with
        {
            Worker = name,
        };

    private static PythonPackage Wheel(string name, string version) => new(name, version, PythonInstallKinds.Wheel, null);

    [Fact]
    public void A_package_at_another_version_is_a_line_whose_odd_cell_differs()
    {
        var result = FleetComparison.Compare(
            [
                Worker("gpu-01", null, Wheel("numpy", "1.26.4"), Wheel("xformers", "0.0.28")),
                Worker("gpu-02", null, Wheel("numpy", "1.26.4"), Wheel("xformers", "0.0.28")),
                Worker("gpu-03", null, Wheel("numpy", "1.26.4"), Wheel("xformers", "0.0.27")),
            ],
            reference: null
        );

        var xformers = result.Rows.Single(r => r.Category == RuntimeAttributes.Python && r.Attribute == "xformers");
        Assert.Equal(["0.0.28", "0.0.28", "0.0.27"], result.Workers.Select(w => xformers.Values[w]));
        Assert.Equal([false, false, true], result.Workers.Select(w => xformers.Differs[w]));
        Assert.True(result.Rows.Single(r => r.Attribute == "numpy").Uniform);
    }

    [Fact]
    public void A_worker_whose_packages_were_not_read_is_unknown_never_absent()
    {
        var result = FleetComparison.Compare(
            [
                Worker("gpu-01", null, Wheel("xformers", "0.0.28"), Wheel("onnx", "1.16.0")),
                Worker("gpu-02", null, null),
                Worker("gpu-03", null, Wheel("xformers", "0.0.28")),
            ],
            reference: "gpu-01"
        );

        var onnx = result.Rows.Single(r => r.Attribute == "onnx");
        Assert.Equal(["1.16.0", "unknown", FleetComparison.Absent], result.Workers.Select(w => onnx.Values[w]));
        Assert.Equal([false, false, true], result.Workers.Select(w => onnx.Differs[w]));
        Assert.True(result.Rows.Single(r => r.Attribute == "xformers").Uniform); // unknown is no difference
        var unread = FleetComparison.Compare([Worker("old", null, null), Worker("new", null, Wheel("xformers", "0.0.28"))], "old");
        Assert.True(unread.Rows.Single(r => r.Attribute == "xformers").Uniform);
    }

    [Fact]
    public void How_a_package_came_is_part_of_its_value()
    {
        var result = FleetComparison.Compare(
            [
                Worker("a", null, Wheel("my-tool", "1.0")),
                Worker("b", null, new PythonPackage("my-tool", "1.0", PythonInstallKinds.Editable, "file:///src/my-tool")),
            ],
            reference: "a"
        );

        var row = result.Rows.Single(r => r.Attribute == "my-tool");
        Assert.Equal("1.0 (editable)", row.Values["b"]);
        Assert.True(row.Differs["b"]);
    }

    [Fact]
    public void The_comfyui_commit_line_shows_the_short_commit_and_local_changes()
    {
        var abc = "abc1234def567890abc1234def567890abc12345";
        var result = FleetComparison.Compare(
            [
                Worker("gpu-01", new ComfyUiCheckout(abc, false, "0.3.66")),
                Worker("gpu-07", new ComfyUiCheckout("def5678" + abc[7..], true, "0.3.60")),
                Worker("gpu-09", new ComfyUiCheckout(null, null, "0.3.66")),
                Worker("old", null),
            ],
            reference: "gpu-01"
        );

        var row = result.Rows.Single(r => r.Attribute == "comfyui commit");
        Assert.Equal(["abc1234def56", "def5678def56 (dirty)", "not a git checkout", "unknown"], result.Workers.Select(w => row.Values[w]));
        Assert.Equal([false, true, true, true], result.Workers.Select(w => row.Differs[w]));
    }
}
