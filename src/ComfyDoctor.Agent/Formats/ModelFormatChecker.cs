using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Structural check of a model file by its extension: safetensors, GGUF, or pickle-based PyTorch files. Never throws
/// for bad content and never trusts a size a header states: memory and time stay bounded whatever the file says.
/// </summary>
public static class ModelFormatChecker
{
    private static readonly HashSet<string> PickleExtensions = new(StringComparer.OrdinalIgnoreCase) { ".ckpt", ".pt", ".pth", ".bin", ".pkl", ".pt2" };

    public static FormatCheck Check(string path, CancellationToken ct = default)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            return extension switch
            {
                ".safetensors" or ".sft" => SafetensorsChecker.Check(path),
                ".gguf" => GgufChecker.Check(path),
                _ when PickleExtensions.Contains(extension) => PickleFileChecker.Check(path, ct),
                _ => FormatCheck.NotChecked(extension.TrimStart('.')),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return FormatCheck.Broken(extension.TrimStart('.'), $"unreadable: {e.Message}");
        }
    }
}
