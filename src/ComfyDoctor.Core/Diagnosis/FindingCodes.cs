namespace ComfyDoctor.Core.Diagnosis;

/// <summary>The stable finding codes. Scripts and the API depend on these strings: never rename one.</summary>
public static class FindingCodes
{
    public const string ModelMissing = "model.missing";
    public const string ModelCorrupted = "model.corrupted";
    public const string ModelSizeMismatch = "model.size-mismatch";
    public const string ModelInvalid = "model.invalid";
    public const string ModelUnsafe = "model.unsafe";
    public const string ModelSuspicious = "model.suspicious";
    public const string ModelUnknown = "model.unknown";
    public const string ModelUnhashed = "model.unhashed";
    public const string ModelNotAFile = "model.not-a-file";
    public const string ModelUnreadable = "model.unreadable";
    public const string ModelMisplaced = "model.misplaced";
    public const string ModelArchitectureMismatch = "model.architecture-mismatch";
    public const string NodeMissing = "node.missing";
    public const string NodeVersionMismatch = "node.version-mismatch";
    public const string NodeUnresolved = "node.unresolved";
    public const string NodeDisabled = "node.disabled";
    public const string NodeImportFailed = "node.import-failed";
    public const string NodeDirty = "node.dirty";

    /// <summary>A pack present and enabled that no snapshot of the worker lists (yellow; never removed automatically).</summary>
    public const string NodeUnexpected = "node.unexpected";
    public const string ComfyUiVersionMismatch = "comfyui.version-mismatch";
    public const string PythonPackageMismatch = "python.package-mismatch";

    /// <summary>A Python package installed that no snapshot's <c>pips</c> lists, where they list any (yellow; never removed).</summary>
    public const string PythonPackageUnexpected = "python.package-unexpected";

    /// <summary>Two snapshots, or a snapshot and a workflow pin, want different versions of one thing: nothing is chosen.</summary>
    public const string SnapshotConflict = "snapshot.conflict";
    public const string DiskLow = "disk.low";
    public const string DiskUnknown = "disk.unknown";
    public const string RuntimePythonUnknown = "runtime.python-unknown";
    public const string RuntimeTorchMissing = "runtime.torch-missing";
    public const string RuntimeCudaUnavailable = "runtime.cuda-unavailable";
    public const string RuntimeGpuUnknown = "runtime.gpu-unknown";
    public const string RuntimeComfyUiUnknown = "runtime.comfyui-unknown";
    public const string AgentOutdated = "agent.outdated";
}
