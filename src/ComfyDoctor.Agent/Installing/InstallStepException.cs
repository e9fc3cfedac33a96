namespace ComfyDoctor.Agent.Installing;

/// <summary>A step of an install failed; carries the stage for the report. Caught by the installer, never escapes it.</summary>
public sealed class InstallStepException : Exception
{
    public InstallStepException(InstallStage stage, string message, Exception? inner = null)
        : base(message, inner) => Stage = stage;

    public InstallStepException() { }

    public InstallStepException(string message)
        : base(message) { }

    public InstallStepException(string message, Exception innerException)
        : base(message, innerException) { }

    public InstallStage Stage { get; }
}
