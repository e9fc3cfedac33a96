using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Diagnosis;

/// <summary>Python, torch, CUDA, GPU driver and ComfyUI version.</summary>
internal static class RuntimeRules
{
    public static IEnumerable<Finding> Check(WorkerInventory inventory)
    {
        var env = inventory.Environment;
        var python = env.Python;
        if (python?.Version is null)
        {
            yield return Finding(
                FindingCodes.RuntimePythonUnknown,
                Severity.Warning,
                "python",
                python is null
                    ? "ComfyUI's Python was not found (no venv, .venv or python_embeded; pass --python)"
                    : $"{python.Executable} could not be run: {python.Error}"
            );
        }
        else if (python.Torch is null)
        {
            yield return Finding(
                FindingCodes.RuntimeTorchMissing,
                Severity.Error,
                "torch",
                $"torch is not importable with {python.Executable} (Python "
                    + $"{python.Version}){(python.Error is null ? "" : ": " + python.Error)}"
            );
        }
        else if (python.CudaAvailable != true)
        {
            // A CPU-only worker is legitimate when there is no GPU; with GPUs present, it is a broken install.
            var severity = env.Gpus.Count > 0 ? Severity.Error : Severity.Warning;
            yield return Finding(
                FindingCodes.RuntimeCudaUnavailable,
                severity,
                "cuda",
                $"torch {python.Torch} (CUDA build {python.TorchCuda ?? "none"}) reports CUDA unavailable"
                    + (env.Gpus.Count > 0 ? $" although {env.Gpus.Count} GPU(s) are present" : "")
            );
        }

        if (env.Gpus.Count == 0)
        {
            yield return Finding(
                FindingCodes.RuntimeGpuUnknown,
                Severity.Warning,
                "gpu",
                "no NVIDIA GPU reported (nvidia-smi absent or failed)"
            );
        }

        if (env.ComfyUiVersion is null)
        {
            yield return Finding(FindingCodes.RuntimeComfyUiUnknown, Severity.Info, "comfyui", "ComfyUI version unknown");
        }
    }

    private static Finding Finding(string code, Severity severity, string subject, string message) =>
        new(code, severity, subject, message, false, HealthCategory.Runtime);
}
