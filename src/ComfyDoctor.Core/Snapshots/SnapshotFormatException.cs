namespace ComfyDoctor.Core.Snapshots;

/// <summary>A snapshot file that cannot be read: the message names the file, the field (a JSON path) and what is wrong.</summary>
public sealed class SnapshotFormatException(string message) : Exception(message);
