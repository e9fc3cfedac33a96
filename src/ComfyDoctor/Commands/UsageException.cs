namespace ComfyDoctor.Cli.Commands;

/// <summary>Bad usage or unreadable input: printed as one line, exit code 2.</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message) { }

    public UsageException(string message, Exception inner)
        : base(message, inner) { }

    public UsageException() { }
}
