using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Registry;

namespace ComfyDoctor.Core.Tests.Diagnosis;

public sealed class NodeRulesTests
{
    private const string Kj = "https://github.com/kijai/ComfyUI-KJNodes";
    private const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private static ExpectedState Needs(string? version = null, params string[] types) =>
        ExpectedState.FromRegistry(ModelRegistry.Empty) with
        {
            RequiredNodePacks = [new RequiredNodePack(Kj, "comfyui-kjnodes", version, types, ["wf.json"], "exact name")],
        };

    [Fact]
    public void Missing_pack_is_red_and_repairable()
    {
        var verdict = Diagnoser.Diagnose(Needs(null, "GetImageSizeAndCount"), new InventoryBuilder().Build());
        var finding = Assert.Single(verdict.Findings, f => f.Code == FindingCodes.NodeMissing);
        Assert.Equal(Kj, finding.Subject);
        Assert.True(finding.Repairable);
        Assert.Contains("GetImageSizeAndCount", finding.Message, StringComparison.Ordinal);
        Assert.Equal(Light.Red, verdict.Health[HealthCategory.Nodes]);
    }

    [Fact]
    public void Pack_found_by_remote_in_any_url_form()
    {
        var inventory = new InventoryBuilder().Pack("kj", remote: "git@github.com:Kijai/comfyui-kjnodes.git", commit: Commit).Build();
        Assert.DoesNotContain(Diagnoser.Diagnose(Needs(null, "X"), inventory).Findings, f => f.Category == HealthCategory.Nodes);
    }

    [Fact]
    public void Another_pack_providing_every_type_satisfies_the_need()
    {
        var inventory = new InventoryBuilder()
            .Pack("KJNodes-fork", remote: "https://github.com/someone/fork", commit: Commit, nodes: ["X", "Y"])
            .Build();
        Assert.DoesNotContain(Diagnoser.Diagnose(Needs(null, "X", "Y"), inventory).Findings, f => f.Code == FindingCodes.NodeMissing);
        Assert.Contains(Diagnoser.Diagnose(Needs(null, "X", "Z"), inventory).Findings, f => f.Code == FindingCodes.NodeMissing);
    }

    [Fact]
    public void Disabled_pack_is_red_as_disabled_not_missing()
    {
        var inventory = new InventoryBuilder().Pack("ComfyUI-KJNodes", remote: Kj, commit: Commit, disabled: true, nodes: ["X"]).Build();
        var findings = Diagnoser.Diagnose(Needs(null, "X"), inventory).Findings;
        var finding = Assert.Single(findings, f => f.Code == FindingCodes.NodeDisabled);
        Assert.Equal((Kj, Severity.Error, true), (finding.Subject, finding.Severity, finding.Repairable));
        Assert.Contains("installed but disabled at /comfy/custom_nodes/ComfyUI-KJNodes", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(findings, f => f.Code == FindingCodes.NodeMissing);
    }

    [Theory]
    [InlineData("0123456", Commit, null, null, false)]
    [InlineData("fedcba9876", Commit, null, null, true)]
    [InlineData("1.2.0", Commit, "v1.2.0", null, false)]
    [InlineData("v1.2.0", Commit, null, "1.2.0", false)]
    [InlineData("1.3.0", Commit, "v1.2.0", "1.2.0", true)]
    [InlineData("nightly", Commit, null, null, false)]
    [InlineData("latest", Commit, null, null, false)]
    public void Version_pins(string pin, string commit, string? tag, string? projectVersion, bool mismatch)
    {
        var inventory = new InventoryBuilder()
            .Pack("ComfyUI-KJNodes", remote: Kj, commit: commit, tag: tag, version: projectVersion)
            .Build();
        var findings = Diagnoser.Diagnose(Needs(pin, "X"), inventory).Findings;
        Assert.Equal(mismatch, findings.Any(f => f.Code == FindingCodes.NodeVersionMismatch));
    }

    [Fact]
    public void A_pack_at_any_of_the_workflows_pins_is_not_a_mismatch()
    {
        var inventory = new InventoryBuilder().Pack("ComfyUI-KJNodes", remote: Kj, commit: Commit, tag: "v1.1.0").Build();
        var needs = Needs("1.2.0", "X");
        var second = needs with { RequiredNodePacks = [needs.RequiredNodePacks[0] with { OtherVersions = ["1.1.0"] }] };

        Assert.Contains(Diagnoser.Diagnose(needs, inventory).Findings, f => f.Code == FindingCodes.NodeVersionMismatch);
        Assert.DoesNotContain(Diagnoser.Diagnose(second, inventory).Findings, f => f.Code == FindingCodes.NodeVersionMismatch);
    }

    [Fact]
    public void Unresolved_types_are_red_unless_something_provides_them()
    {
        var expected = ExpectedState.FromRegistry(ModelRegistry.Empty) with
        {
            UnresolvedNodes = [new UnresolvedNode("Mystery", ["wf.json"]), new UnresolvedNode("Local", ["wf.json"])],
        };
        var inventory = new InventoryBuilder().Pack("mine", nodes: ["Local"]).Build();
        var finding = Assert.Single(Diagnoser.Diagnose(expected, inventory).Findings, f => f.Code == FindingCodes.NodeUnresolved);
        Assert.Equal("Mystery", finding.Subject);
    }

    [Fact]
    public void Dirty_checkout_is_a_warning()
    {
        var inventory = new InventoryBuilder().Pack("p", remote: Kj, commit: Commit, dirty: true).Build();
        var verdict = Diagnoser.Diagnose(ExpectedState.FromRegistry(ModelRegistry.Empty), inventory);
        Assert.Contains(verdict.Findings, f => f.Code == FindingCodes.NodeDirty);
        Assert.Equal(Light.Yellow, verdict.Health[HealthCategory.Nodes]);
    }

    [Fact]
    public void A_running_comfyui_is_the_truth_about_loaded_types()
    {
        var expected = ExpectedState.FromRegistry(ModelRegistry.Empty) with
        {
            UnresolvedNodes = [new UnresolvedNode("Dynamic", ["wf.json"])],
        };
        var inventory = new InventoryBuilder().Pack("broken", nodes: ["Broken"]).Pack("dyn").Build() with
        {
            Live = new Core.Inventory.LiveComfyUi("http://127.0.0.1:8188/", ["KSampler", "Dynamic"], "0.3.66", "3.11", "2.4.1", []),
        };

        var findings = Diagnoser.Diagnose(expected, inventory).Findings;

        Assert.DoesNotContain(findings, f => f.Code == FindingCodes.NodeUnresolved); // registered at run time, invisible statically
        var failed = Assert.Single(findings, f => f.Code == FindingCodes.NodeImportFailed);
        Assert.Equal("broken", failed.Subject);
    }
}
