using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Runtime;

/// <summary>Where to look for the runtime facts of one installation.</summary>
/// <param name="Python">ComfyUI's interpreter when given; else found in the standard places.</param>
/// <param name="ModelRootPaths">The model folders whose volumes are measured.</param>
/// <param name="Timeout">How long the Python and nvidia-smi probes may each take; null for <see cref="DefaultTimeout"/>.</param>
/// <param name="NvidiaSmi">The <c>nvidia-smi</c> to run (a name looked up on PATH, or a path).</param>
public sealed record ProbeOptions(
    string ComfyUiRoot,
    string? Python,
    IReadOnlyList<string> ModelRootPaths,
    TimeSpan? Timeout = null,
    string NvidiaSmi = "nvidia-smi"
)
{
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(20);

    public TimeSpan EffectiveTimeout => Timeout ?? DefaultTimeout;
}

/// <summary>
/// Gathers disk, ComfyUI version and checkout, Python/torch/CUDA and packages, and GPU facts; the process probes run at the same time, and
/// anything that cannot be learned is null plus a note — never an exception (cancellation aside).
/// </summary>
public static class EnvironmentProbe
{
    public static async Task<EnvironmentFacts> ProbeAsync(ProbeOptions options, CancellationToken ct)
    {
        var python = PythonProbe.ProbeWithNoteAsync(options, ct);
        var checkout = ComfyUiCheckoutProbe.ReadAsync(options.ComfyUiRoot, ct);
        var gpus = GpuProbe.ProbeAsync(options.NvidiaSmi, options.EffectiveTimeout, ct);
        var version = ComfyUiVersionProbe.ReadAsync(options.ComfyUiRoot, ct);
        var (disks, notes) = DiskProbe.Measure(options.ModelRootPaths);
        var allNotes = new List<string>(notes);

        var (pythonFacts, packagesNote) = await python;
        var (gpuFacts, gpuNote) = await gpus;
        var comfyVersion = await version;
        if (pythonFacts is null)
        {
            allNotes.Add("ComfyUI's Python not found (looked for venv, .venv, python_embeded)");
        }
        else if (pythonFacts.Version is null)
        {
            allNotes.Add($"Python {pythonFacts.Executable} did not answer: {pythonFacts.Error}");
        }

        if (packagesNote is not null && pythonFacts?.Version is not null)
        {
            allNotes.Add(packagesNote);
        }

        if (gpuNote is not null)
        {
            allNotes.Add(gpuNote);
        }

        if (comfyVersion is null)
        {
            allNotes.Add("ComfyUI version not found (comfyui_version.py, pyproject.toml, git tags)");
        }

        return new EnvironmentFacts(disks, comfyVersion, pythonFacts, gpuFacts, allNotes)
        {
            ComfyUi = (await checkout) with { Version = comfyVersion },
        };
    }
}
