using System.Text.Json;
using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.NodeResolution;

/// <summary>Reads <c>github-stats.json</c>: <c>{url: {stars, last_update, author_account_age_days}}</c>.</summary>
internal static class GithubStats
{
    public static Dictionary<string, (int? Stars, int? AuthorAgeDays)> ReadAll(string fileName, Stream json)
    {
        using var document = CatalogJson.Parse(fileName, json);
        var root = CatalogJson.RootObject(fileName, document, "an object of {repository URL: {stars, author_account_age_days}}");
        var stats = new Dictionary<string, (int?, int?)>(RepoUrl.Comparer);
        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                stats.TryAdd(
                    RepoUrl.Normalize(property.Name),
                    (CatalogJson.Int(property.Value, "stars"), CatalogJson.Int(property.Value, "author_account_age_days"))
                );
            }
        }

        return stats;
    }
}
