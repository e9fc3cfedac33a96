namespace ComfyDoctor.Core.Inventory;

/// <summary>One folder ComfyUI searches for a model folder key (e.g. <c>loras</c> → <c>/srv/models/loras</c>).</summary>
/// <param name="FolderKey">ComfyUI's <c>folder_paths</c> key (canonical: <c>text_encoders</c>, not <c>clip</c>).</param>
/// <param name="Path">Absolute folder path.</param>
/// <param name="Source">Where the root came from: <c>default</c> or the YAML file and section.</param>
/// <param name="IsDefault">Whether the YAML marked it <c>is_default</c> (ComfyUI puts it first).</param>
public sealed record ModelRoot(string FolderKey, string Path, string Source, bool IsDefault = false);
