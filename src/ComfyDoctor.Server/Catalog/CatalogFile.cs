namespace ComfyDoctor.Server.Catalog;

/// <summary>One catalog file handed to an import: its canonical name and its bytes (already bounded by the reader).</summary>
public sealed record CatalogFile(string Name, byte[] Content)
{
    public string Sha256 => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Content));
}
