namespace ComfyDoctor.Core.Registry;

/// <summary>A registry file that cannot be used; the message names the file, the line and the field.</summary>
public sealed class RegistryFormatException : Exception
{
    public RegistryFormatException(string message)
        : base(message) { }

    public RegistryFormatException(string message, Exception inner)
        : base(message, inner) { }

    public RegistryFormatException() { }
}
