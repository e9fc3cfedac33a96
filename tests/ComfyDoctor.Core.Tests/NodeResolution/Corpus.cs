using System.Runtime.CompilerServices;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Tests.NodeResolution;

/// <summary>The shared real-world corpus at <c>&lt;repo root&gt;/../shared/corpus</c> (read-only; never edited).</summary>
internal static class Corpus
{
    private static readonly string CorpusRoot = FindRoot();

    private static readonly Lazy<NodeCatalog> LazyCatalog = new(() =>
        NodeCatalog.LoadFiles(
            Path.Combine(CorpusRoot, "node-maps", "extension-node-map.json"),
            Path.Combine(CorpusRoot, "node-maps", "custom-node-list.json"),
            Path.Combine(CorpusRoot, "node-maps", "github-stats.json")
        )
    );

    public static string Root => CorpusRoot;

    public static string NodeMap => Path.Combine(Root, "node-maps", "extension-node-map.json");

    public static NodeCatalog Catalog => LazyCatalog.Value;

    public static IReadOnlyList<string> WorkflowFiles =>
        Directory.GetFiles(Path.Combine(Root, "workflows"), "*.json").Order(StringComparer.Ordinal).ToList();

    public static IReadOnlyList<WorkflowDocument> Workflows() => WorkflowFiles.Select(f => WorkflowReader.ReadFile(f)).ToList();

    /// <summary>Walks up from the test binaries, then (for builds with --artifacts-path) from this source file, to the
    /// folder holding ComfyDoctor.sln; the corpus lies beside the repository.</summary>
    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ComfyDoctor.sln")))
                {
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "corpus"));
                }
            }
        }

        throw new InvalidOperationException($"no ComfyDoctor.sln above {AppContext.BaseDirectory} or {sourceFile}");
    }
}
