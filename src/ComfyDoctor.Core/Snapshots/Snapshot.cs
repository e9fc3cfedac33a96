namespace ComfyDoctor.Core.Snapshots;

/// <summary>
/// A worker's expected state as a snapshot (issue 19): ComfyUI-Manager's fields exactly as it writes them — <c>comfyui</c>,
/// <c>git_custom_nodes</c> <c>{url: {hash, disabled}}</c>, <c>cnr_custom_nodes</c> <c>{id: version}</c>,
/// <c>file_custom_nodes</c> <c>[{filename, disabled}]</c>, <c>pips</c> <c>{freeze line: url or ""}</c> — in the order the
/// file has them, and, in our richer <c>comfydoctor</c> format, every model with its SHA-256 and size.
/// </summary>
/// <param name="ComfyUi">ComfyUI's commit; null when the file has none (Manager writes <c>{}</c> for a ComfyUI that is not a
/// checkout).</param>
/// <param name="Models">Null in a Manager file; the worker's hashed model files in ours.</param>
public sealed record Snapshot(
    string? ComfyUi,
    IReadOnlyList<SnapshotGitPack> GitPacks,
    IReadOnlyList<SnapshotCnrPack> CnrPacks,
    IReadOnlyList<SnapshotFilePack> FilePacks,
    IReadOnlyList<SnapshotPip> Pips,
    IReadOnlyList<SnapshotModel>? Models
)
{
    public static Snapshot Empty { get; } = new(null, [], [], [], [], null);
}

/// <summary>A git pack: its origin URL as written, the commit it must be at, and whether it is disabled.</summary>
public sealed record SnapshotGitPack(string Url, string Hash, bool Disabled);

/// <summary>A Comfy Registry pack at a version (Manager records enabled registry installs only).</summary>
public sealed record SnapshotCnrPack(string Id, string Version);

/// <summary>A single-file pack (<c>foo.py</c>, or <c>foo.py.disabled</c> with <paramref name="Disabled"/>).</summary>
public sealed record SnapshotFilePack(string FileName, bool Disabled);

/// <summary>One <c>pip freeze</c> line as Manager stores it: <c>"name==1.0": ""</c>, or <c>"name": "url"</c> for a
/// <c>name @ url</c> line. <see cref="PipPin"/> reads it.</summary>
public sealed record SnapshotPip(string Key, string Value);

/// <summary>A model file of the worker: its identity (<c>folder/name</c>), SHA-256 and size.</summary>
public sealed record SnapshotModel(string Identity, string Sha256, long Size);

/// <summary>The file layouts: ComfyUI-Manager's JSON (restorable by Manager and comfy-cli) and our richer one are written and
/// read; Manager's YAML snapshot and comfy-cli's <c>comfy.lock.yaml</c> are read (<see cref="SnapshotReader"/>).</summary>
public static class SnapshotFormats
{
    public const string Manager = "manager";
    public const string ComfyDoctor = "comfydoctor";

    /// <summary>ComfyUI-Manager's <c>.yaml</c> snapshot: its five fields under <c>custom_nodes</c> (<c>yaml.dump</c>).</summary>
    public const string ManagerYaml = "manager-yaml";

    /// <summary>comfy-cli's <c>comfy.lock.yaml</c>: <c>basics</c>, <c>models</c>, and Manager's YAML snapshot as
    /// <c>custom_nodes</c>.</summary>
    public const string ComfyLock = "comfy-lock";

    /// <summary>The value of our format's <c>format</c> field.</summary>
    public const string ComfyDoctorTag = "comfydoctor-snapshot/1";

    /// <summary>The formats a snapshot is exported in.</summary>
    public static IReadOnlyList<string> Names { get; } = [Manager, ComfyDoctor];
}
