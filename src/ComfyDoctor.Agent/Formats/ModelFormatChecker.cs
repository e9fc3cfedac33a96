using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Structural check of a model file, chosen by its extension: <c>.safetensors</c>/<c>.sft</c> →
/// <see cref="SafetensorsChecker"/>; <c>.gguf</c> → <see cref="GgufChecker"/>; <c>.ckpt .pt .pth .bin .pkl</c> →
/// <see cref="PickleFileChecker"/> (zip or raw pickle); anything else is <see cref="FormatStatus.Unchecked"/>
/// (<c>.pt2</c> is a torch.export archive, <c>.onnx</c> protobuf: no checker).
/// Never throws for bad content: an unreadable file (vanished, no permission) is <see cref="FormatStatus.Invalid"/> with
/// the reason. Only cancellation propagates, and <see cref="NotAFileException"/>: a FIFO or device is no model at all.
/// Memory and time stay bounded whatever a header claims. Files are opened by <see cref="NativeFile"/>.
/// </summary>
public static class ModelFormatChecker
{
    private static readonly HashSet<string> PickleExtensions = new(StringComparer.OrdinalIgnoreCase) { ".ckpt", ".pt", ".pth", ".bin", ".pkl" };

    public static FormatCheck Check(string path, CancellationToken ct = default) => Check(NativePath.Of(path), ct);

    public static FormatCheck Check(NativePath path, CancellationToken ct = default)
    {
        var extension = Path.GetExtension(path.Text).ToLowerInvariant();
        var format = extension switch
        {
            ".safetensors" or ".sft" => "safetensors",
            ".gguf" => "gguf",
            _ when PickleExtensions.Contains(extension) => "pickle",
            _ => null,
        };
        if (format is null)
        {
            return FormatCheck.NotChecked(extension.Length > 1 ? extension[1..] : "unknown");
        }

        try
        {
            return format switch
            {
                "safetensors" => SafetensorsChecker.Check(path),
                "gguf" => GgufChecker.Check(path, ct),
                _ => PickleFileChecker.Check(path, ct),
            };
        }
        catch (NotAFileException e) when (e.Kind != FileKind.Directory)
        {
            throw; // a FIFO, socket or device: not a model at all, the scan skips it
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return FormatCheck.Broken(format, $"unreadable: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A checker bug must not take the scan down; the file is not vouched for either.
            return FormatCheck.Broken(format, $"could not be checked ({e.GetType().Name}: {e.Message})");
        }
    }
}
