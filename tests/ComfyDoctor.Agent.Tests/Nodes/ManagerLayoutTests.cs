using ComfyDoctor.Agent.Nodes;
using ComfyDoctor.Agent.Tests.Support;

namespace ComfyDoctor.Agent.Tests.Nodes;

/// <summary>Issue 15.4: the scan sees what ComfyUI-Manager v3 leaves on disk (real folders, real git checkouts).</summary>
public sealed class ManagerLayoutTests
{
    private const string Project =
        "[project]\nname = \"ComfyUI-KJNodes\"\nversion = \"1.0.5\"\n"
        + "[project.urls]\nRepository = \"https://github.com/kijai/ComfyUI-KJNodes\"\n";

    [Fact]
    public async Task Disabled_registry_and_nightly_copies_are_listed_with_their_versions_and_registry_ids()
    {
        using var dir = new TempDir();
        var nodes = dir.Combine("custom_nodes");
        // A registry zip install ComfyUI-Manager disabled at 1.0.5: .tracking lists what the zip extracted.
        dir.WriteText("custom_nodes/.disabled/comfyui-kjnodes@1_0_5/__init__.py", "NODE_CLASS_MAPPINGS = {\"INTConstant\": I}\n");
        dir.WriteText("custom_nodes/.disabled/comfyui-kjnodes@1_0_5/pyproject.toml", Project);
        dir.WriteText("custom_nodes/.disabled/comfyui-kjnodes@1_0_5/.tracking", "__init__.py\npyproject.toml\n");
        // A nightly checkout of a registry pack: the registry id ComfyUI-Manager wrote into .git.
        var nightly = dir.Combine("custom_nodes", ".disabled", "comfyui-impact-pack@nightly");
        var commit = await Git.InitAsync(
            nightly,
            new Dictionary<string, string> { ["__init__.py"] = "NODE_CLASS_MAPPINGS = {\"Impact\": I}\n" }
        );
        await Git.RunAsync(nightly, "remote", "add", "origin", "https://github.com/ltdrdata/ComfyUI-Impact-Pack");
        await File.WriteAllTextAsync(Path.Combine(nightly, ".git", ".cnr-id"), "comfyui-impact-pack\n");
        // A pack ComfyUI-Manager does not know, disabled under its plain name, and an enabled registry install.
        dir.WriteText("custom_nodes/.disabled/unknown-pack/__init__.py", "");
        dir.WriteText("custom_nodes/.disabled/stray.py", "a file: ComfyUI-Manager keeps only folders in .disabled");
        dir.WriteText("custom_nodes/comfyui-videohelpersuite/__init__.py", "");
        dir.WriteText(
            "custom_nodes/comfyui-videohelpersuite/pyproject.toml",
            "[project]\nname = \"comfyui-videohelpersuite\"\nversion = \"1.7.9\"\n"
        );
        dir.WriteText("custom_nodes/comfyui-videohelpersuite/.tracking", "__init__.py\n");

        var packs = await NodePackScanner.ScanAsync(nodes, CancellationToken.None);

        Assert.Equal(["comfyui-videohelpersuite", "comfyui-impact-pack", "comfyui-kjnodes", "unknown-pack"], packs.Select(p => p.Name));
        var kj = packs.Single(p => p.Name == "comfyui-kjnodes");
        Assert.True(kj.Disabled);
        Assert.Equal(
            new Core.Inventory.ManagerFacts("comfyui-kjnodes", true, "https://github.com/kijai/ComfyUI-KJNodes", true, "1.0.5"),
            kj.Manager
        );
        Assert.Equal(["INTConstant"], kj.NodeClasses);
        var impact = packs.Single(p => p.Name == "comfyui-impact-pack");
        Assert.Equal(
            (true, commit, "comfyui-impact-pack", "nightly"),
            (impact.Disabled, impact.Git!.Commit, impact.Manager!.RegistryId, impact.Manager.DisabledVersion)
        );
        Assert.Equal(
            (true, null, false),
            (
                packs.Single(p => p.Name == "unknown-pack").Disabled,
                packs.Single(p => p.Name == "unknown-pack").Manager!.DisabledVersion,
                packs.Single(p => p.Name == "unknown-pack").Manager!.RegistryInstall
            )
        );
        var vhs = packs[0];
        Assert.Equal(
            (false, "comfyui-videohelpersuite", true, false),
            (vhs.Disabled, vhs.Manager!.RegistryId, vhs.Manager.RegistryInstall, vhs.Manager.DisabledFolder)
        );
    }

    [Theory]
    [InlineData("comfyui-kjnodes@1_0_5", "comfyui-kjnodes", "1.0.5")]
    [InlineData("comfyui-kjnodes@nightly", "comfyui-kjnodes", "nightly")]
    [InlineData("plain-pack", "plain-pack", null)]
    [InlineData("odd@name@2_0", "odd@name", "2.0")]
    [InlineData("trailing@", "trailing@", null)]
    [InlineData("spaced@1 0", "spaced@1 0", null)]
    public void Disabled_folder_names_are_read_as_comfyui_manager_writes_them(string folder, string name, string? version) =>
        Assert.Equal((name, version), ManagerLayout.ParseDisabledName(folder));

    [Fact]
    public void A_plain_checkout_carries_no_manager_facts()
    {
        using var dir = new TempDir();
        dir.WriteText("pack/__init__.py", "");
        Assert.Null(ManagerLayout.Read(dir.Combine("pack"), false, null, PyProject.Facts.None));
        dir.WriteText("pack/.git/.cnr-id", "bad id/../x\n");
        Assert.Null(ManagerLayout.Read(dir.Combine("pack"), false, null, PyProject.Facts.None)); // not an id: ignored
    }
}
