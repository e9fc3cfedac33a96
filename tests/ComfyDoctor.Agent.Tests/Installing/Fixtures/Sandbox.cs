namespace ComfyDoctor.Agent.Tests.Installing.Fixtures;

/// <summary>A fresh folder per test with a ComfyUI layout (<c>comfy/custom_nodes</c>), deleted afterwards.</summary>
public sealed class Sandbox : IDisposable
{
    public Sandbox()
    {
        Root = Path.Combine(Path.GetTempPath(), "cd-install-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(CustomNodes);
    }

    public string Root { get; }

    public string ComfyUi => Path.Combine(Root, "comfy");

    public string CustomNodes => Path.Combine(ComfyUi, "custom_nodes");

    public string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Every file and folder under custom_nodes with its size and content hash, to compare before/after.</summary>
    public IReadOnlyList<string> CustomNodesListing() => Listing(CustomNodes);

    public static IReadOnlyList<string> Listing(string folder) =>
        [
            .. Directory
                .EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
                .Select(p =>
                    File.Exists(p)
                        ? $"{Path.GetRelativePath(folder, p)} "
                            + $"{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p)))}"
                        : Path.GetRelativePath(folder, p) + "/"
                )
                .Order(StringComparer.Ordinal),
        ];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
        catch (UnauthorizedAccessException)
        {
            // git object files are read-only on some systems
        }
    }
}
