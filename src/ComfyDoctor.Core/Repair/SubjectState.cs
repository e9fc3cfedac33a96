using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Repair;

/// <summary>
/// What a plan saw of an action's subject when it was made — the precondition the agent checks before it acts: the model
/// file's SHA-256 and size, or the node pack's commit and local changes, or that there was nothing there.
/// </summary>
/// <param name="Present">Whether the file or the pack's folder existed.</param>
/// <param name="Sha256">The file's hash (null when absent, or present but not hashed: then its size is compared).</param>
/// <param name="Size">The file's size in bytes.</param>
/// <param name="Commit">The pack's checked-out commit (null when absent or not a git checkout).</param>
/// <param name="Dirty">Whether the pack's checkout had local changes.</param>
public sealed record SubjectState(bool Present, string? Sha256 = null, long? Size = null, string? Commit = null, bool Dirty = false)
{
    public static SubjectState Absent { get; } = new(false);

    public static SubjectState Of(ModelFile? file) => file is null ? Absent : new(true, file.Sha256?.ToLowerInvariant(), file.Size);

    public static SubjectState Of(NodePack? pack) =>
        pack is null ? Absent : new(true, Commit: pack.Git?.Commit, Dirty: pack.Git?.Dirty ?? false);

    /// <summary>For messages: <c>absent</c>, <c>SHA-256 1f0e…</c>, <c>commit 9a4c… (local changes)</c>.</summary>
    public override string ToString() =>
        this switch
        {
            { Present: false } => "absent",
            { Commit: { } commit } => $"commit {Short(commit)}{(Dirty ? " (local changes)" : "")}",
            { Sha256: { } sha } => $"SHA-256 {Short(sha)}",
            { Size: { } size } => $"an unhashed file of {size:N0} bytes",
            _ => Dirty ? "present (local changes)" : "present",
        };

    private static string Short(string text) => text.Length > 12 ? text[..12] + "…" : text;
}
