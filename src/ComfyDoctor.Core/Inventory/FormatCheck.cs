using ComfyDoctor.Core.Architecture;

namespace ComfyDoctor.Core.Inventory;

public enum FormatStatus
{
    /// <summary>The format was checked and is sound.</summary>
    Valid,

    /// <summary>The file is broken: truncated, bad header, inconsistent offsets.</summary>
    Invalid,

    /// <summary>A pickle that imports a global outside torch's weights_only allowlist (a gadget, or one the loader refuses), or cannot be
    /// walked.</summary>
    Unsafe,

    /// <summary>A pickle outside the safe list yet not judged unsafe: no longer produced since issue 17 (outside the allowlist is unsafe);
    /// kept for older reports.</summary>
    Suspicious,

    /// <summary>No checker for this extension.</summary>
    Unchecked,
}

/// <summary>The outcome of a structural check of a model file, independent of any registry.</summary>
/// <param name="Format">e.g. <c>safetensors</c>, <c>gguf</c>, <c>pickle</c>, <c>zip-pickle</c>, <c>unknown</c>.</param>
/// <param name="Message">One line saying what is wrong, or null when valid.</param>
/// <param name="Imports">For pickles: the <c>module.name</c> globals that fall outside the allowlist, gadgets first.</param>
public sealed record FormatCheck(string Format, FormatStatus Status, string? Message = null, IReadOnlyList<string>? Imports = null)
{
    /// <summary>
    /// The kind and family the header's tensor names and shapes say (safetensors, GGUF; for a pickle, its state dict's
    /// tensor names and the shapes its walk saw), read in the same pass as the check; null when the file was not
    /// classified (another format, a broken header, an unsafe or broken pickle, or a cache entry from before).
    /// </summary>
    public ModelArchitecture? Architecture { get; init; }

    public static FormatCheck NotChecked(string format) => new(format, FormatStatus.Unchecked);

    public static FormatCheck Ok(string format) => new(format, FormatStatus.Valid);

    public static FormatCheck Broken(string format, string message) => new(format, FormatStatus.Invalid, message);
}
