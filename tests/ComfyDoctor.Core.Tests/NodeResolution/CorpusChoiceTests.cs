using ComfyDoctor.Core.NodeResolution;
using static ComfyDoctor.Core.Tests.NodeResolution.TestCatalog;

namespace ComfyDoctor.Core.Tests.NodeResolution;

/// <summary>
/// Issue 15.3's measured failures, on ComfyUI-Manager's real node map (../shared/corpus/node-maps) with hint-free
/// workflows: aining2022/ComfyUI_Swwan (107 names, 29 stars, listed at #2205) repeats KJNodes', LayerStyle's and one of
/// rgthree's nodes (rgthree-comfy: 24 names, 3,367 stars, #4589; its other nodes only by its pattern). Picking by
/// "covers most of the workflow" chose the bundle for all of them and split the (rgthree) family across two packs.
/// </summary>
public sealed class CorpusChoiceTests
{
    private const string Swwan = "https://github.com/aining2022/ComfyUI_Swwan";
    private const string Rgthree = "https://github.com/rgthree/rgthree-comfy";
    private const string KjNodes = "https://github.com/kijai/ComfyUI-KJNodes";
    private const string LayerStyle = "https://github.com/chflame163/ComfyUI_LayerStyle";

    [Fact]
    public void A_bundle_listed_earlier_does_not_take_nodes_from_their_originals()
    {
        var r = ResolveReal(["Seed (rgthree)", "ColorMatch", "LayerUtility: CropByMask V2"]);
        Assert.Equal(Rgthree, r.Of("Seed (rgthree)").Pack!.Url);
        Assert.Equal(KjNodes, r.Of("ColorMatch").Pack!.Url);
        Assert.Equal(LayerStyle, r.Of("LayerUtility: CropByMask V2").Pack!.Url);
        Assert.Contains(Swwan, r.Of("Seed (rgthree)").Alternatives);
        Assert.Equal(ChoiceRules.Dedicated, r.Of("Seed (rgthree)").Rule);
        Assert.Equal(ChoiceRules.Original, r.Of("LayerUtility: CropByMask V2").Rule);
        Assert.Contains("the runner-up repeats other packs' nodes", r.Of("LayerUtility: CropByMask V2").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Nodes_of_one_family_go_to_one_pack()
    {
        var r = ResolveReal(["Seed (rgthree)", "Power Lora Loader (rgthree)", "ColorMatch", "ImageResizeKJ"]);
        Assert.Equal([Rgthree, Rgthree], [r.Of("Seed (rgthree)").Pack!.Url, r.Of("Power Lora Loader (rgthree)").Pack!.Url]);
        Assert.Equal([KjNodes, KjNodes], [r.Of("ColorMatch").Pack!.Url, r.Of("ImageResizeKJ").Pack!.Url]);
        Assert.Equal("(rgthree)", r.Of("Seed (rgthree)").Family);
        Assert.Contains(
            "kept with its family '(rgthree)' (Power Lora Loader (rgthree))",
            r.Of("Seed (rgthree)").Reason,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_family_split_by_a_pin_says_so_on_every_member()
    {
        var pins = new AdminPins([new PinnedPack("swwan", Swwan, null)], new Dictionary<string, string> { ["Seed (rgthree)"] = "swwan" });
        var r = ResolveReal(["Seed (rgthree)", "Power Lora Loader (rgthree)"], pins);
        Assert.Equal((Swwan, Rgthree), (r.Of("Seed (rgthree)").Pack!.Url, r.Of("Power Lora Loader (rgthree)").Pack!.Url));
        Assert.All(r.Nodes, n =>
            Assert.Contains(
                "its family '(rgthree)' spans 2 packs: Seed (rgthree) → aining2022/ComfyUI_Swwan (its pin), "
                    + "Power Lora Loader (rgthree) → rgthree/rgthree-comfy",
                n.Reason,
                StringComparison.Ordinal
            )
        );
    }

    [Fact]
    public void The_fleet_gets_one_pack_per_type_and_the_fewest_packs()
    {
        // ImageBlendSwwan is listed by the bundle alone: the workflow that uses it needs the bundle anyway.
        var a = WorkflowOf(["ColorMatch", "ImageResizeKJ"], "a.json");
        var b = WorkflowOf(["ColorMatch", "ImageBlendSwwan"], "b.json");
        var options = new ResolveOptions(Corpus.Catalog);

        var each = NodeResolver.Resolve([a, b], options);
        Assert.Equal(KjNodes, each.Workflows[0].Of("ColorMatch").Pack!.Url);
        Assert.Equal(Swwan, each.Workflows[1].Of("ColorMatch").Pack!.Url); // its own fewest packs: one

        var fleet = NodeResolver.ResolveFleet([a, b], options);
        var colorMatch = fleet.Workflows.Select(w => w.Of("ColorMatch").Pack!.Url).Distinct().ToList();
        Assert.Equal([Swwan], colorMatch); // every worker installs the bundle for b.json, and it lists a.json's nodes too
        Assert.Equal([Swwan], fleet.NodePacks().Select(p => p.Url).Distinct());
        Assert.Equal(ChoiceRules.FewestPacks, fleet.Workflows[0].Of("ImageResizeKJ").Rule);
        Assert.Contains("one choice for the whole fleet", fleet.Workflows[0].Of("ColorMatch").Reason, StringComparison.Ordinal);
    }

    private static WorkflowResolution ResolveReal(IReadOnlyList<string> types, AdminPins? pins = null) =>
        Assert.Single(
            NodeResolver
                .Resolve([WorkflowOf(types, "wf.json")], new ResolveOptions(Corpus.Catalog) { Pins = pins ?? AdminPins.Empty })
                .Workflows
        );
}
