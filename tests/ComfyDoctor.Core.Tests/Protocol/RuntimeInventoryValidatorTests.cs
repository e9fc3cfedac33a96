using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Tests.Diagnosis;

namespace ComfyDoctor.Core.Tests.Protocol;

/// <summary>Issue 19.1: ComfyUI's checkout and the interpreter's packages within the inventory's limits.</summary>
public sealed class RuntimeInventoryValidatorTests
{
    private static WorkerInventory With(ComfyUiCheckout? comfy, IReadOnlyList<PythonPackage>? packages) =>
        new InventoryBuilder().Environment(e => e with { ComfyUi = comfy, Python = e.Python! with { Packages = packages } }).Build();

    [Fact]
    public void A_sound_checkout_and_package_list_pass()
    {
        var packages = new[] { new PythonPackage("numpy", "1.26.4", PythonInstallKinds.Wheel, null) };

        Assert.Null(InventoryValidator.Problem(With(new ComfyUiCheckout(new string('a', 40), true, "0.3.66"), packages)));
        Assert.Null(InventoryValidator.Problem(With(new ComfyUiCheckout(null, null, null), null)));
    }

    [Fact]
    public void A_commit_that_is_not_hex_is_refused()
    {
        Assert.Equal(
            "environment.comfyUi.commit: not a 40 or 64 digit lower-case hex commit",
            InventoryValidator.Problem(With(new ComfyUiCheckout("HEAD~1", false, null), null))
        );
    }

    [Fact]
    public void Too_many_packages_or_an_empty_name_are_refused_with_the_field()
    {
        var many = Enumerable
            .Range(0, InventoryValidator.MaxPythonPackages + 1)
            .Select(i => new PythonPackage($"p{i}", "1", PythonInstallKinds.Wheel, null))
            .ToList();

        Assert.Equal(
            $"environment.python.packages: {many.Count} items, at most {InventoryValidator.MaxPythonPackages} are accepted",
            InventoryValidator.Problem(With(null, many))
        );
        Assert.Equal(
            "environment.python.packages[1].name: missing or empty",
            InventoryValidator.Problem(
                With(
                    null,
                    [
                        new PythonPackage("a", "1", PythonInstallKinds.Wheel, null),
                        new PythonPackage("", "1", PythonInstallKinds.Wheel, null),
                    ]
                )
            )
        );
        Assert.Equal(
            "environment.python.packages[0].version: 300 characters, at most 256",
            InventoryValidator.Problem(With(null, [new PythonPackage("a", new string('1', 300), PythonInstallKinds.Wheel, null)]))
        );
    }
}
