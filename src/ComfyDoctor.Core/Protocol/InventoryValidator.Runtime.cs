using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Protocol;

/// <summary>The checks of ComfyUI's checkout and of the interpreter's packages (issue 19.1).</summary>
public static partial class InventoryValidator
{
    /// <summary>Distributions of one interpreter accepted in an inventory; a real ComfyUI venv holds a few hundred.</summary>
    public const int MaxPythonPackages = 10_000;

    /// <summary>The length of a package name or version accepted (PEP 508 names are short; versions shorter still).</summary>
    public const int MaxPackageText = 256;

    private static string? RuntimeProblem(EnvironmentFacts environment) =>
        (environment.ComfyUi is { } comfy ? CheckoutProblem(comfy) : null)
        ?? (environment.Python is { } python ? PythonProblem(python) : null);

    private static string? CheckoutProblem(ComfyUiCheckout checkout) =>
        checkout.Commit is { } commit && !(IsHex(commit, 40) || IsHex(commit, 64))
            ? "environment.comfyUi.commit: not a 40 or 64 digit lower-case hex commit"
            : Optional("environment.comfyUi.version", checkout.Version);

    private static string? PythonProblem(PythonFacts python)
    {
        if (
            (
                Text("environment.python.executable", python.Executable)
                ?? Optional("environment.python.version", python.Version)
                ?? Optional("environment.python.torch", python.Torch)
                ?? Optional("environment.python.torchCuda", python.TorchCuda)
                ?? Optional("environment.python.error", python.Error)
            ) is
            { } problem
        )
        {
            return problem;
        }

        return python.Packages is { } packages
            ? Count("environment.python.packages", packages.Count, MaxPythonPackages)
                ?? First(packages, "environment.python.packages", PackageProblem)
            : null;
    }

    private static string? PackageProblem(PythonPackage package) =>
        package is null
            ? "missing"
            : Short("name", package.Name)
                ?? Short("version", package.Version)
                ?? Name("installer", package.Installer)
                ?? Optional("url", package.Url);

    private static string? Short(string field, string? value) =>
        Name(field, value) ?? (value!.Length > MaxPackageText ? $"{field}: {value.Length} characters, at most {MaxPackageText}" : null);
}
