using ComfyDoctor.Agent.FileSystem;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Structural check of a model file, chosen by its content (<see cref="FormatSniffer"/>), never by its name: a zip or a
/// pickle → <see cref="PickleFileChecker"/>, a NumPy array → <see cref="NpyArrays"/>, GGUF → <see cref="GgufChecker"/>,
/// safetensors → <see cref="SafetensorsChecker"/>. Content no magic identifies goes to the checker its extension names
/// (which then says precisely what is wrong); other extensions are <see cref="FormatStatus.Unchecked"/> (<c>.pt2</c>,
/// <c>.onnx</c>). A sound file whose extension makes ComfyUI pick a loader that cannot read it (a pickle named
/// <c>.safetensors</c>, safetensors named <c>.ckpt</c>) is <see cref="FormatStatus.Invalid"/>; an unsafe one stays unsafe.
/// Never throws for bad content: an unreadable file (vanished, no permission) is <see cref="FormatStatus.Invalid"/> with
/// the reason, and a checker that fails is too. Only cancellation propagates, and <see cref="NotAFileException"/>: a FIFO
/// or device is no model at all. Memory and time stay bounded whatever a header claims. Files are opened by
/// <see cref="NativeFile"/>.
/// </summary>
public static class ModelFormatChecker
{
    private static readonly HashSet<string> TorchLoadExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".ckpt",
        ".pt",
        ".pth",
        ".bin",
        ".pkl",
    };

    public static FormatCheck Check(string path, CancellationToken ct = default) => Check(NativePath.Of(path), ct);

    public static FormatCheck Check(NativePath path, CancellationToken ct = default)
    {
        var extension = Path.GetExtension(path.Text).ToLowerInvariant();
        var named = NamedFormat(extension);
        try
        {
            var kind = FormatSniffer.Sniff(Head(path));
            var check = kind switch
            {
                ContentKind.Zip => Zip(path, named, ct),
                ContentKind.Pickle => PickleFileChecker.Check(path, ct),
                ContentKind.Npy => CheckNpy(path, ct),
                ContentKind.Gguf => GgufChecker.Check(path, ct),
                ContentKind.Safetensors => SafetensorsChecker.Check(path),
                ContentKind.MaybePickle when named is "pickle" => PickleFileChecker.Check(path, ct),
                ContentKind.MaybePickle => MaybePickle(path, named, ct),
                _ => ByName(path, named, ct),
            };
            return check is null
                ? FormatCheck.NotChecked(extension.Length > 1 ? extension[1..] : "unknown")
                : Misnamed(check, extension, named);
        }
        catch (NotAFileException e) when (e.Kind != FileKind.Directory)
        {
            throw; // a FIFO, socket or device: not a model at all, the scan skips it
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return FormatCheck.Broken(named ?? "unknown", $"unreadable: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A checker bug must not take the scan down; the file is not vouched for either.
            return FormatCheck.Broken(named ?? "unknown", $"could not be checked ({e.GetType().Name}: {e.Message})");
        }
    }

    /// <summary>The format ComfyUI's loader assumes for an extension (<c>comfy.utils.load_torch_file</c>; GGUF by the GGUF loader
    /// nodes).</summary>
    private static string? NamedFormat(string extension) =>
        extension switch
        {
            ".safetensors" or ".sft" => "safetensors",
            ".gguf" => "gguf",
            _ when TorchLoadExtensions.Contains(extension) => "pickle",
            _ => null,
        };

    private static byte[] Head(NativePath path)
    {
        using var file = NativeFile.OpenStream(path, 1);
        var head = new byte[FormatSniffer.HeadLength];
        return head[..file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
    }

    private static FormatCheck? ByName(NativePath path, string? named, CancellationToken ct) =>
        named switch
        {
            "safetensors" => SafetensorsChecker.Check(path),
            "gguf" => GgufChecker.Check(path, ct),
            "pickle" => PickleFileChecker.Check(path, ct),
            _ => null,
        };

    /// <summary>A zip without a pickle in it is no finding when its extension is not a model format's (a <c>.pt2</c> archive).</summary>
    private static FormatCheck? Zip(NativePath path, string? named, CancellationToken ct)
    {
        var check = PickleFileChecker.Check(path, ct);
        return named is null && check.Message == ZipPickles.NoPickle ? null : check;
    }

    /// <summary>Text-like bytes in a file named as another format (or as nothing known): a pickle only if it walks as one.</summary>
    private static FormatCheck? MaybePickle(NativePath path, string? named, CancellationToken ct)
    {
        var asPickle = PickleFileChecker.Check(path, ct);
        var notAPickle =
            asPickle.Status == FormatStatus.Invalid && asPickle.Message?.StartsWith("not a pickle", StringComparison.Ordinal) == true;
        return notAPickle ? ByName(path, named, ct) : asPickle;
    }

    private static FormatCheck CheckNpy(NativePath path, CancellationToken ct)
    {
        using var file = NativeFile.OpenStream(path, 1 << 16, sequential: true);
        return NpyArrays.Check(file, ct);
    }

    /// <summary>A sound file that the loader ComfyUI picks by its extension cannot read.</summary>
    private static FormatCheck Misnamed(FormatCheck check, string extension, string? named)
    {
        var content = check.Format is "zip-pickle" ? "pickle" : check.Format;
        if (check.Status != FormatStatus.Valid || named is null || content == named)
        {
            return check;
        }

        var loader = named == "pickle" ? "torch.load" : $"the {named} loader";
        return check with
        {
            Status = FormatStatus.Invalid,
            Message = $"{Describe(check.Format)} named {extension}: ComfyUI opens {extension} files with {loader}, which cannot read it",
        };
    }

    private static string Describe(string format) =>
        format switch
        {
            "zip-pickle" => "a PyTorch zip checkpoint",
            "pickle" => "a pickle",
            "npy" => "a NumPy array",
            _ => $"a {format} file",
        };
}
