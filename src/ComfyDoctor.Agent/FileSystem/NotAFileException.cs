namespace ComfyDoctor.Agent.FileSystem;

/// <summary>A path named like a model that is a FIFO, socket or device when it is opened: it is never read.</summary>
public sealed class NotAFileException : IOException
{
    public NotAFileException(string path, FileKind kind)
        : base($"{path} is {FileKinds.Describe(kind)}, not a file")
    {
        Kind = kind;
    }

    public NotAFileException() { }

    public NotAFileException(string message)
        : base(message) { }

    public NotAFileException(string message, Exception inner)
        : base(message, inner) { }

    public FileKind Kind { get; }
}
