namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// A global a pickle imports when it is loaded (<c>GLOBAL</c>, <c>INST</c>, <c>STACK_GLOBAL</c>), as written in the file.
/// <c>?</c> stands for a <c>STACK_GLOBAL</c> argument that could not be traced to a string.
/// </summary>
public readonly record struct PickleGlobal(string Module, string Name)
{
    public const string Unknown = "?";

    public override string ToString() => Module + "." + Name;
}
