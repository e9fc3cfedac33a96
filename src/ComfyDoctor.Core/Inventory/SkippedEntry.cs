namespace ComfyDoctor.Core.Inventory;

public enum SkipReason
{
    /// <summary>A FIFO, socket or device named like a model: never opened (opening a FIFO waits for a writer).</summary>
    NotAFile,

    /// <summary>A symbolic link that never reaches a file (<c>a → b → a</c>): the system gives up with ELOOP.</summary>
    LinkLoop,

    /// <summary>A folder that cannot be listed (no permission, I/O error): the models in it are not inventoried.</summary>
    UnreadableFolder,
}

/// <summary>
/// An entry of a model folder the scan saw but could not take as a model file: a fact for <c>Diagnosis</c> to judge
/// (<c>model.not-a-file</c>, <c>model.unreadable</c>), never silence.
/// </summary>
/// <param name="Identity">The identity it would have (<c>checkpoints/x.safetensors</c>) or the folder's (<c>loras/private</c>).</param>
/// <param name="Path">Absolute path on the worker (as text: see <see cref="ModelFile.RawPath"/>).</param>
/// <param name="Message">What the file system said, in a few words (<c>a FIFO</c>, <c>Permission denied</c>).</param>
public sealed record SkippedEntry(string Identity, string Path, SkipReason Reason, string Message);
