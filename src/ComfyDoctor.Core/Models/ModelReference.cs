namespace ComfyDoctor.Core.Models;

/// <summary>How a workflow's model reference matches an installed model's identity.</summary>
public static class ModelReference
{
    /// <summary>The folder a workflow gives when it does not say which folder a file belongs to.</summary>
    public const string UnknownFolder = "unknown/";

    /// <summary>The same identity, or — for <c>unknown/x</c> — <c>x</c> under any folder key.</summary>
    public static bool Satisfies(string required, string installed)
    {
        if (!required.StartsWith(UnknownFolder, StringComparison.Ordinal))
        {
            return string.Equals(required, installed, StringComparison.Ordinal);
        }

        return installed.AsSpan(installed.IndexOf('/', StringComparison.Ordinal) + 1).SequenceEqual(required.AsSpan(UnknownFolder.Length));
    }
}
