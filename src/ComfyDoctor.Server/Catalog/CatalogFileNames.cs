namespace ComfyDoctor.Server.Catalog;

/// <summary>The ComfyUI-Manager files the server's node catalog is made of, known by their file names.</summary>
public static class CatalogFileNames
{
    public const string NodeMap = "extension-node-map.json";
    public const string NodeList = "custom-node-list.json";
    public const string GithubStats = "github-stats.json";

    public static IReadOnlyList<string> All { get; } = [NodeMap, NodeList, GithubStats];

    /// <summary>The canonical name of an uploaded file (its folder and case ignored), or null for a file that is none of them.</summary>
    public static string? Canonical(string? fileName) =>
        fileName is null
            ? null
            : All.FirstOrDefault(n => string.Equals(n, Path.GetFileName(fileName.Trim().Trim('"')), StringComparison.OrdinalIgnoreCase));

    public static string Unknown(string fileName) =>
        $"{fileName}: not a catalog file: name it {string.Join(", ", All)} (ComfyUI-Manager's names)";
}
