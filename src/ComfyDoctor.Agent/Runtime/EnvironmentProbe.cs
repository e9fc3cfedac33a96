using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Runtime;

/// <summary>Where to look for the runtime facts of one installation.</summary>
/// <param name="Python">ComfyUI's interpreter when given; else found in the standard places.</param>
/// <param name="ModelRootPaths">The model folders whose volumes are measured.</param>
/// <param name="NvidiaSmi">The <c>nvidia-smi</c> to run (a name looked up on PATH, or a path).</param>
public sealed record ProbeOptions(
    string ComfyUiRoot,
    string? Python,
    IReadOnlyList<string> ModelRootPaths,
    TimeSpan Timeout,
    string NvidiaSmi = "nvidia-smi");

/// <summary>
/// Gathers disk, ComfyUI version, Python/torch/CUDA and GPU facts; each probe runs at once with the others and
/// anything it cannot learn is null plus a note — never an exception.
/// </summary>
public static class EnvironmentProbe
{
    public static async Task<EnvironmentFacts> ProbeAsync(ProbeOptions options, CancellationToken ct)
    {
        var notes = new List<string>();
        var python = PythonProbe.ProbeAsync(options, ct);
        var gpus = GpuProbe.ProbeAsync(options.NvidiaSmi, options.Timeout, ct);
        var disks = DiskProbe.Measure(options.ModelRootPaths);
        var version = ComfyUiVersionProbe.Read(options.ComfyUiRoot);

        var pythonFacts = await python;
        var (gpuFacts, gpuNote) = await gpus;
        if (pythonFacts is null)
        {
            notes.Add("ComfyUI's Python not found (looked for venv, .venv, python_embeded)");
        }

        if (gpuNote is not null)
        {
            notes.Add(gpuNote);
        }

        if (version is null)
        {
            notes.Add("ComfyUI version not found (comfyui_version.py, pyproject.toml)");
        }

        return new EnvironmentFacts(disks, version, pythonFacts, gpuFacts, notes);
    }
}
