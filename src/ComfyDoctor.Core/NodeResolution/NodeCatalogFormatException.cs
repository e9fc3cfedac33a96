namespace ComfyDoctor.Core.NodeResolution;

/// <summary>A node map, node list, stats or pins file that cannot be used; the message names the file and what is wrong.</summary>
public sealed class NodeCatalogFormatException : Exception
{
    public NodeCatalogFormatException(string message)
        : base(message) { }

    public NodeCatalogFormatException(string message, Exception inner)
        : base(message, inner) { }

    public NodeCatalogFormatException() { }
}
