namespace ComfyDoctor.Core.Workflows;

/// <summary>A workflow file that cannot be read; the message names the file and what is wrong (with the line and byte
/// for JSON syntax errors).</summary>
public sealed class WorkflowFormatException : Exception
{
    public WorkflowFormatException(string message)
        : base(message) { }

    public WorkflowFormatException(string message, Exception inner)
        : base(message, inner) { }

    public WorkflowFormatException() { }
}
