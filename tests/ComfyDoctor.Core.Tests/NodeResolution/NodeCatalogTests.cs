using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Core.Tests.NodeResolution;

public sealed class NodeCatalogTests
{
    [Fact]
    public void Joins_map_list_and_stats()
    {
        var catalog = TestCatalog.Load();
        var tools = catalog.FindByUrl("git@github.com:ORIG/comfyui-tools.git/")!;
        Assert.Equal(("tools-registry-id", "Tools", "git-clone", 10), (tools.Id, tools.Title, tools.InstallType, tools.Stars));
        Assert.Equal(["numpy"], tools.Pip);
        Assert.Equal("git-clone", catalog.FindByUrl("https://github.com/rg/rg-comfy")!.InstallType);
        Assert.True(catalog.FindByUrl("https://github.com/copycat/ComfyUI-Tools-Fork")!.LooksLikeFork);
        Assert.Equal("listed-only", catalog.FindByCnrId("listed-only")!.Id); // in the list only, still a pack
        Assert.Equal(["KSampler", "SaveImage", "ConditioningAverage"], catalog.CoreNodeNames);
        Assert.Null(catalog.FindByUrl("https://github.com/comfyanonymous/ComfyUI")); // ComfyUI is not a pack
        Assert.Contains(catalog.Warnings, w => w.Contains("(unclosed", StringComparison.Ordinal));
    }

    [Fact]
    public void Finds_packs_by_cnr_id_repo_name_and_aux_id()
    {
        var catalog = TestCatalog.Load();
        Assert.Equal("https://github.com/orig/ComfyUI-Tools", catalog.FindByCnrId("tools-registry-id")!.Url);
        Assert.Equal("https://github.com/bundler/ComfyUI-Bundle", catalog.FindByCnrId("comfyui-bundle")!.Url);
        Assert.Equal("https://github.com/bundler/ComfyUI-Bundle", catalog.FindByCnrId("ComfyUI_Bundle")!.Url);
        Assert.Equal("https://github.com/rg/rg-comfy", catalog.FindByAuxId("RG/RG-Comfy")!.Url);
        Assert.Null(catalog.FindByCnrId("nothing-like-it"));
    }

    [Fact]
    public void Loads_the_real_catalog()
    {
        var catalog = Corpus.Catalog;
        Assert.True(catalog.Packs.Count > 5500);
        Assert.Contains("KSampler", catalog.CoreNodeNames);
        Assert.Equal("https://github.com/kijai/ComfyUI-KJNodes", catalog.FindByCnrId("comfyui-kjnodes")!.Url);
        Assert.Equal("https://github.com/rgthree/rgthree-comfy", Assert.Single(catalog.MatchingPattern("Seed (rgthree)")).Url);
        Assert.Empty(catalog.Warnings);
    }

    [Theory]
    [InlineData("[]", "extension-node-map.json: expected an object of {repository URL")]
    [InlineData("{'https://x/y': 3}", "extension-node-map.json: entry 'https://x/y' is not [[node names], {metadata}]")]
    [InlineData("{'https://x/y': [['A'], {}]", "extension-node-map.json: not valid JSON at line 1, byte ")]
    public void Bad_node_map_is_refused_naming_the_file(string json, string expected)
    {
        var e = Assert.Throws<NodeCatalogFormatException>(() => NodeCatalog.Load(TestCatalog.Json(json)));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_node_list_is_refused_naming_the_file()
    {
        var e = Assert.Throws<NodeCatalogFormatException>(() =>
            NodeCatalog.Load(TestCatalog.Json("{}"), TestCatalog.Json("{'custom_nodes': 1}"))
        );
        Assert.Equal("custom-node-list.json: 'custom_nodes' is missing or is not a list", e.Message);
    }

    [Fact]
    public void Core_list_is_embedded_and_extendable()
    {
        Assert.True(CoreNodes.Default.Names.Count > 400);
        Assert.True(CoreNodes.Default.Contains("CheckpointLoaderSimple"));
        var more = CoreNodes.Default.With(["BrandNewCoreNode"]);
        Assert.True(more.Contains("BrandNewCoreNode"));
        Assert.False(CoreNodes.Default.Contains("BrandNewCoreNode"));
        Assert.Equal("CheckpointLoaderSimple", CoreNodes.Default.FindNormalised("checkpoint_loader simple"));
    }
}
