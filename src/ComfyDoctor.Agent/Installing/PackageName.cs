using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Installing;

/// <summary>Python distribution names compared as pip does (PEP 503: case-insensitive, runs of <c>-_.</c> equal).</summary>
internal static class PackageName
{
    public static string Normalize(string name) => PythonPackageNames.Normalize(name);
}
