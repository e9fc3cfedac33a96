using System.Text;
using ComfyDoctor.Core.NodeResolution;
using static ComfyDoctor.Core.Tests.NodeResolution.TestCatalog;

namespace ComfyDoctor.Core.Tests.NodeResolution;

/// <summary>Frontend-only and run-time generated node types, on the real node map: neither is listed there.</summary>
public sealed class KnownPackNodesTests
{
    private const string KjNodes = "https://github.com/kijai/ComfyUI-KJNodes";
    private const string MultiGpu = "https://github.com/pollockjj/ComfyUI-MultiGPU";

    /// <summary>The shape of ComfyUI's GET /object_info (trimmed to the fields read): python_module names the folder.</summary>
    private const string ObjectInfo = """
        {"KSampler": {"input": {}, "python_module": "nodes"},
         "CLIPLoaderMultiGPU": {"input": {}, "python_module": "custom_nodes.ComfyUI-MultiGPU"},
         "UNETLoaderMultiGPU": {"input": {}, "python_module": "custom_nodes.ComfyUI-MultiGPU"},
         "VAELoaderMultiGPU": {"input": {}, "python_module": "custom_nodes.ComfyUI-MultiGPU.nodes"},
         "UnetLoaderGGUFDisTorch2MultiGPU": {"input": {}, "python_module": "custom_nodes.ComfyUI-MultiGPU"},
         "SetNode": {"input": {}, "python_module": "custom_nodes.ComfyUI-KJNodes"}}
        """;

    [Fact]
    public void Frontend_only_nodes_resolve_from_the_packs_web_code()
    {
        var known = new KnownPackNodes(
            "ComfyUI-KJNodes",
            KjNodes,
            ["SetNode", "GetNode"],
            KnownNodeSource.WebCode,
            "/mirrors/ComfyUI-KJNodes/web/js/setget.js"
        );
        Assert.Equal(ResolutionStatus.Unresolved, Resolve(["SetNode"], []).Of("SetNode").Status);

        var set = Resolve(["SetNode", "GetNode"], [known]).Of("SetNode");
        Assert.Equal((KjNodes, ResolutionEvidence.WebCode), (set.Pack!.Url, set.Evidence));
        Assert.Contains(
            "web code registers it as a frontend-only node (/mirrors/ComfyUI-KJNodes/web/js/setget.js)",
            set.Reason,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Object_info_teaches_the_types_a_pack_generates_at_run_time()
    {
        var known = ObjectInfoReader.Read("gpu-01.json", Json(ObjectInfo), "gpu-01");
        Assert.Equal(["ComfyUI-MultiGPU", "ComfyUI-KJNodes"], known.Select(k => k.Folder));

        // Reported by the worker, and generated from another pack's loader name: never reported, never listed.
        var r = Resolve(["VAELoaderMultiGPU", "LoadWanVideoT5TextEncoderMultiGPU"], known);
        var reported = r.Of("VAELoaderMultiGPU");
        Assert.Equal(MultiGpu, reported.Pack!.Url);
        var generated = r.Of("LoadWanVideoT5TextEncoderMultiGPU");
        Assert.Equal((MultiGpu, ResolutionEvidence.LearnedFamily), (generated.Pack!.Url, generated.Evidence));
        Assert.Contains(
            "gpu-01: ComfyUI reported 4 types ending in 'MultiGPU' from custom_nodes/ComfyUI-MultiGPU",
            generated.Reason,
            StringComparison.Ordinal
        );
        Assert.Equal("…MultiGPU", generated.Family);
        Assert.Equal(
            ResolutionStatus.Unresolved,
            Resolve(["LoadWanVideoT5TextEncoderMultiGPU"], []).Of("LoadWanVideoT5TextEncoderMultiGPU").Status
        );
    }

    [Fact]
    public void ComfyDoctor_shape_names_folders_and_repositories_outside_the_catalog()
    {
        const string json = """
            {"worker": "gpu-02",
             "nodes": {"PrivateSampler": "studio-nodes", "KSampler": null, "Orphan": "no-such-pack"},
             "packs": {"studio-nodes": "https://git.example.invalid/studio/studio-nodes"}}
            """;
        var known = ObjectInfoReader.Read("facts.json", Json(json));
        var options = new ResolveOptions(Corpus.Catalog) { Known = known };
        var r = Assert.Single(NodeResolver.Resolve([WorkflowOf(["PrivateSampler", "Orphan"])], options).Workflows);
        var sampler = r.Of("PrivateSampler");
        Assert.Equal(
            ("https://git.example.invalid/studio/studio-nodes", false, ResolutionEvidence.ObjectInfo),
            (sampler.Pack!.Url, sampler.Pack.InCatalog, sampler.Evidence)
        );
        Assert.Contains(
            "gpu-02: ComfyUI's /object_info reports it from custom_nodes/studio-nodes",
            sampler.Reason,
            StringComparison.Ordinal
        );
        Assert.Equal(ResolutionStatus.Unresolved, r.Of("Orphan").Status);
        Assert.Contains(
            "no-such-pack",
            Assert.Single(PackKnowledge.Build(known, Corpus.Catalog, CoreNodes.Default).Warnings),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Catalog_patterns_resolve_generated_names_too()
    {
        var n = Resolve(["Anything Everywhere5"], []).Of("Anything Everywhere5");
        Assert.Equal(("https://github.com/chrisgoringe/cg-use-everywhere", ResolutionEvidence.Pattern), (n.Pack!.Url, n.Evidence));
    }

    [Fact]
    public void A_malformed_object_info_file_is_refused_naming_the_field()
    {
        var e = Assert.Throws<NodeCatalogFormatException>(() => ObjectInfoReader.Read("bad.json", Json("{'nodes': {'X': 3}}")));
        Assert.Equal("bad.json: nodes.X: expected the pack folder's name (a string) or null for core", e.Message);
        var broken = Assert.Throws<NodeCatalogFormatException>(() =>
            ObjectInfoReader.Read("broken.json", new MemoryStream(Encoding.UTF8.GetBytes("{")))
        );
        Assert.StartsWith("broken.json: not valid JSON", broken.Message, StringComparison.Ordinal);
    }

    private static WorkflowResolution Resolve(IReadOnlyList<string> types, IReadOnlyList<KnownPackNodes> known) =>
        Assert.Single(NodeResolver.Resolve([WorkflowOf(types)], new ResolveOptions(Corpus.Catalog) { Known = known }).Workflows);
}
