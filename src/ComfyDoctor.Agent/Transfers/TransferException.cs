namespace ComfyDoctor.Agent.Transfers;

/// <summary>A transfer that did not produce the verified file; the message says why, the final path is untouched.</summary>
public sealed class TransferException : Exception
{
    public TransferException(string message)
        : base(message) { }

    public TransferException(string message, Exception inner)
        : base(message, inner) { }

    public TransferException(string message, bool resumable, Exception? inner = null)
        : base(message, inner)
    {
        Resumable = resumable;
    }

    /// <summary>The transfer was interrupted (stall, lost connection): its partial file is kept for a ranged resume.</summary>
    public bool Resumable { get; }

    /// <summary>A path of the transfer led outside its model root (a folder swapped for a symlink): no file is touched,
    /// not even to clean up, since the path no longer means the folder that was checked.</summary>
    public bool OutsideRoot { get; init; }

    public TransferException() { }
}
