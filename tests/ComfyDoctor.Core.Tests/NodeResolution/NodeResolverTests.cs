using ComfyDoctor.Core.NodeResolution;
using static ComfyDoctor.Core.Tests.NodeResolution.TestCatalog;

namespace ComfyDoctor.Core.Tests.NodeResolution;

public sealed class NodeResolverTests
{
    private const string Tools = "https://github.com/orig/ComfyUI-Tools";
    private const string Fork = "https://github.com/copycat/ComfyUI-Tools-Fork";
    private const string Bundle = "https://github.com/bundler/ComfyUI-Bundle";

    private static readonly AdminPins Pins = new(
        [new PinnedPack("bundle", Bundle, "v2.0.0"), new PinnedPack("private", "https://git.example.invalid/team/private-nodes", null)],
        new Dictionary<string, string> { ["ToolB"] = "bundle", ["Secret"] = "private" }
    );

    [Fact]
    public void Core_nodes_by_list_by_comfy_core_hint_and_by_normalised_name()
    {
        var r = Resolve([Node("KSampler"), Node("BrandNewCoreNode", cnr: "comfy-core", ver: "0.3.60"), Node("ConditioningAverage ")]);
        Assert.All(r.Nodes, n => Assert.Equal(ResolutionStatus.Core, n.Status));
        Assert.Equal(ResolutionEvidence.CoreName, r.Of("BrandNewCoreNode").Evidence);
        Assert.Equal(ResolutionEvidence.NormalisedName, r.Of("ConditioningAverage ").Evidence);
    }

    [Fact]
    public void Pins_win_over_hints_and_names_and_give_the_version()
    {
        var r = Resolve(
            [Node("ToolB", cnr: "tools-registry-id", ver: "1.0.0"), Node("Secret"), Node("Other", cnr: "comfyui-bundle", ver: "9.9.9")],
            Pins
        );
        var toolB = r.Of("ToolB");
        Assert.Equal((Bundle, ResolutionEvidence.Pin, "v2.0.0"), (toolB.Pack!.Url, toolB.Evidence, toolB.Version));
        var secret = r.Of("Secret");
        Assert.Equal(("https://git.example.invalid/team/private-nodes", false), (secret.Pack!.Url, secret.Pack.InCatalog));
        Assert.Equal("v2.0.0", r.Of("Other").Version); // the pin's version replaces the hint's
    }

    [Fact]
    public void Cnr_id_with_ver_names_the_pack_and_version()
    {
        var r = Resolve([Node("ToolA", cnr: "tools-registry-id", ver: "0a1b2c3d4e5f")]);
        var a = r.Of("ToolA");
        Assert.Equal(
            (Tools, "tools-registry-id", ResolutionEvidence.CnrId, "0a1b2c3d4e5f"),
            (a.Pack!.Url, a.Pack.Id, a.Evidence, a.Version)
        );
        Assert.Empty(a.Alternatives);
    }

    [Fact]
    public void Aux_id_names_the_repository_even_outside_the_catalog()
    {
        var r = Resolve([
            Node("ToolA", aux: "copycat/ComfyUI-Tools-Fork", ver: "abc1234"),
            Node("Mystery", aux: "someone/Unlisted-Nodes"),
            Node("Evil", aux: "../../etc"),
        ]);
        Assert.Equal((Fork, ResolutionEvidence.AuxId, "abc1234"), (r.Of("ToolA").Pack!.Url, r.Of("ToolA").Evidence, r.Of("ToolA").Version));
        var mystery = r.Of("Mystery");
        Assert.Equal(
            ("https://github.com/someone/Unlisted-Nodes", false, ResolutionEvidence.AuxId),
            (mystery.Pack!.Url, mystery.Pack.InCatalog, mystery.Evidence)
        );
        Assert.Equal(ResolutionStatus.Unresolved, r.Of("Evil").Status);
        Assert.Contains("aux_id '../../etc' is not of the form owner/repo", r.Of("Evil").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_cnr_id_falls_through_to_aux_id_then_names()
    {
        var r = Resolve([Node("Grab", cnr: "not-in-catalog", aux: "owner/ComfyUI-Preempt"), Node("Lonely", cnr: "also-unknown")]);
        Assert.Equal(ResolutionEvidence.AuxId, r.Of("Grab").Evidence);
        Assert.Equal(ResolutionEvidence.ExactName, r.Of("Lonely").Evidence);
    }

    [Fact]
    public void Preemption_overrules_every_listing()
    {
        var a = Resolve([Node("ToolA")]).Of("ToolA");
        Assert.Equal(("https://github.com/owner/ComfyUI-Preempt", ResolutionEvidence.Preemption), (a.Pack!.Url, a.Evidence));
        Assert.Empty(a.Alternatives);
    }

    [Fact]
    public void Pattern_resolves_unlisted_names()
    {
        var n = Resolve([Node("Brand New (rg)")]).Of("Brand New (rg)");
        Assert.Equal(("https://github.com/rg/rg-comfy", ResolutionEvidence.Pattern), (n.Pack!.Url, n.Evidence));
        Assert.Contains("nodename_pattern", n.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalised_name_is_the_last_resort()
    {
        var n = Resolve([Node("image_resize_kj")]).Of("image_resize_kj");
        Assert.Equal((Bundle, ResolutionEvidence.NormalisedName), (n.Pack!.Url, n.Evidence));
        Assert.Equal(ResolutionStatus.Unresolved, Resolve([Node("NobodyHasThis")]).Of("NobodyHasThis").Status);
    }

    [Fact]
    public void Ambiguity_prefers_the_pack_the_workflows_hints_name()
    {
        var r = Resolve([Node("Shared Node"), Node("Other", aux: "copycat/ComfyUI-Tools-Fork")]);
        var shared = r.Of("Shared Node");
        Assert.Equal(Fork, shared.Pack!.Url);
        Assert.True(shared.WasChosen);
        Assert.Contains("name this pack in their cnr_id/aux_id", shared.Reason, StringComparison.Ordinal);
        Assert.Equal([Tools], shared.Alternatives);
    }

    [Fact]
    public void A_pack_needed_anyway_serves_its_copies_so_fewer_packs_are_installed()
    {
        var lonely = Resolve([Node("Lonely"), Node("Unpopular Extra")]).Of("Lonely");
        Assert.Equal("https://github.com/big/ComfyUI-Unpopular", lonely.Pack!.Url); // despite 3 stars against 900
        Assert.Equal(ChoiceRules.FewestPacks, lonely.Rule);
        Assert.Contains(
            "it is needed anyway for Unpopular Extra, so its copy saves installing small/ComfyUI-Popular",
            lonely.Reason,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Ambiguity_then_prefers_the_original_over_a_fork_even_with_more_stars()
    {
        var shared = Resolve([Node("Shared Node")]).Of("Shared Node");
        Assert.Equal(Tools, shared.Pack!.Url);
        Assert.Contains("describes itself as a fork", shared.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ambiguity_then_prefers_stars_and_records_the_runners_up()
    {
        var lonely = Resolve([Node("Lonely")]).Of("Lonely");
        Assert.Equal("https://github.com/small/ComfyUI-Popular", lonely.Pack!.Url);
        Assert.Contains("more GitHub stars (900 vs 3)", lonely.Reason, StringComparison.Ordinal);
        Assert.Equal(["https://github.com/big/ComfyUI-Unpopular"], lonely.Alternatives);
    }

    [Fact]
    public void Version_of_a_pack_spreads_to_its_other_types_in_the_workflow()
    {
        var r = Resolve([Node("ToolA", cnr: "tools-registry-id", ver: "1.2.3"), Node("Shared Node")]);
        Assert.Equal((Tools, "1.2.3"), (r.Of("Shared Node").Pack!.Url, r.Of("Shared Node").Version));
    }
}
