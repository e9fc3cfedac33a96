using System.Text.Json.Nodes;

namespace ComfyDoctor.Server.Tests.Catalog;

/// <summary>The shared real corpus beside the repository (read-only): ComfyUI-Manager's node maps and real workflows.</summary>
internal static class CorpusFiles
{
    public const string KjWorkflow = "kijai__ComfyUI-KJNodes__example_workflows__leapfusion_hunyuuanvideo_i2v_native_testing.json";

    public static readonly string Root = Locate();

    public static string NodeMap => Path.Combine(Root, "node-maps", "extension-node-map.json");

    public static string NodeList => Path.Combine(Root, "node-maps", "custom-node-list.json");

    public static string GithubStats => Path.Combine(Root, "node-maps", "github-stats.json");

    public static string Workflow(string name) => Path.Combine(Root, "workflows", name);

    /// <summary>A real workflow with every node's <c>cnr_id</c>, <c>aux_id</c> and <c>ver</c> hint removed.</summary>
    public static string HintFree(string name)
    {
        var document = JsonNode.Parse(File.ReadAllText(Workflow(name)))!;
        Strip(document);
        return document.ToJsonString();
    }

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["properties"] is JsonObject properties)
                {
                    properties.Remove("cnr_id");
                    properties.Remove("aux_id");
                    properties.Remove("ver");
                }

                foreach (var (_, child) in o.ToList())
                {
                    Strip(child);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Strip(child);
                }

                break;
        }
    }

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ComfyDoctor.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "corpus"));
            }
        }

        throw new InvalidOperationException($"no ComfyDoctor.sln above {AppContext.BaseDirectory}");
    }
}
